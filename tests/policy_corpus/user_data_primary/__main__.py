"""Violates any-resource-primary-reference: the primary's host hidden in base64 user data."""

import base64

import pulumi_aws as aws

script = (
    "#!/bin/bash\necho DB_HOST=core-prod-db.cxyz12ab34cd.eu-west-1.rds.amazonaws.com >> /etc/app\n"
)
aws.ec2.LaunchTemplate(
    "fleet",
    image_id="ami-0123456789abcdef0",
    instance_type="t4g.small",
    user_data=base64.b64encode(script.encode()).decode(),
    metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
    block_device_mappings=[{"device_name": "/dev/xvda", "ebs": {"encrypted": "true"}}],
)
