"""ACM certificates validated by DNS: the validation records' facts as plain dicts, which the
edge turns into Cloudflare records (`components.edge.validation_records`)."""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pulumi_aws as aws

ValidationNames = tuple[pulumi.Output[list[str]], Callable[[pulumi.Output[list[str]]], None]]


def deferred_validation_names() -> ValidationNames:
    """Names of a certificate's validation records, for a certificate made before the component
    that creates the records: the output, and the function that resolves it once they exist."""
    return pulumi.deferred_output()


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
