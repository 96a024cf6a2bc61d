"""Violates iam-policy-primary-access: rds-db:connect on the primary's resource id."""

import json

import pulumi_aws as aws

aws.iam.Policy(
    "fleet-db",
    policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "rds-db:connect",
                    "Resource": "arn:aws:rds-db:eu-west-1:444455556666:dbuser:"
                    "db-ABCDEFGHIJKLMNOPQRSTUVWXY2/marketing",
                }
            ],
        }
    ),
)
