"""Violates any-resource-primary-reference: a connection string naming the primary."""

import pulumi_aws as aws

aws.lambda_.Function(
    "forms",
    role="arn:aws:iam::444455556666:role/forms",
    runtime="python3.12",
    handler="app.handler",
    code=None,
    environment={
        "variables": {
            "DATABASE_URL": "postgresql://forms@core-prod-db.cxyz12ab34cd.eu-west-1.rds.amazonaws.com:5432/core"
        }
    },
)
