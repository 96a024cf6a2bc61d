"""Violates rds-instance-primary-replica-source and rds-replica-credentials-forbidden."""

import pulumi_aws as aws

aws.rds.Instance(
    "marketing-db",
    engine="postgres",
    instance_class="db.t4g.medium",
    allocated_storage=20,
    username="marketing",
    manage_master_user_password=True,
    storage_encrypted=True,
    deletion_protection=True,
)
