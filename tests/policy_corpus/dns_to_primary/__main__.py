"""Violates any-resource-primary-reference: a Route 53 CNAME to the primary (trailing dot)."""

import pulumi_aws as aws

zone = aws.route53.Zone("internal", name="marketing.internal")
aws.route53.Record(
    "db",
    zone_id=zone.zone_id,
    name="db.marketing.internal",
    type="CNAME",
    ttl=60,
    records=["CORE-PROD-DB.cxyz12ab34cd.eu-west-1.rds.amazonaws.com."],
)
