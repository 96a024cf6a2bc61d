"""ACM certificates validated by DNS: the validation records' facts as plain dicts, which the
edge turns into Cloudflare records (`components.edge.validation_records`)."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def validation_options(certificate: aws.acm.Certificate) -> pulumi.Output[list[dict[str, str]]]:
    """The certificate's `domain_validation_options` as dicts keyed like the provider's fields."""
    return certificate.domain_validation_options.apply(
        lambda opts: [
            {
                "domain_name": o.domain_name or "",
                "resource_record_name": o.resource_record_name or "",
                "resource_record_type": o.resource_record_type or "",
                "resource_record_value": o.resource_record_value or "",
            }
            for o in (opts or [])
        ]
    )
