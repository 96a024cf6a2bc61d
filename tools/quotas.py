"""The account's quotas and instance sizes for the pre-flight (`--from-aws`), and the offline
instance sizes.

`from_aws` reads, in the stack's region, with the caller's credentials:
- Service Quotas GetServiceQuota: EC2 L-1216C47A (On-Demand Standard vCPUs) and L-34B43A08
  (Spot Standard vCPUs), API Gateway L-8A5B8E43 (requests per second);
- Lambda GetAccountSettings: AccountLimit.ConcurrentExecutions;
- SES v2 GetAccount: SendQuota.Max24HourSend and MaxSendRate;
- DynamoDB DescribeTable of the form table: WarmThroughput.WriteUnitsPerSecond.
A call that fails (no permission, no table yet) keeps the documented default and says why on its
line; the pre-flight never guesses a value it could not read.

`vcpus_offline` reads EC2 instance sizes from moto's copy of DescribeInstanceTypes (the same data
AWS returns, shipped in the moto package the tests install); `vcpus_from_aws` asks EC2.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from forecast.readiness import Quota, Quotas
from model.readiness import API_QUOTA_CODE, EC2_QUOTA_CODE, SPOT_QUOTA_CODE

ClientFactory = Callable[..., Any]


def _read(default: Quota, what: str, read: Callable[[], float | None]) -> Quota:
    try:
        value = read()
    except Exception as exc:  # botocore's errors: denied, throttled, not found
        reason = str(exc).splitlines()[0][:160]
        return Quota(default.value, f"{what} could not be read ({reason}); {default.source}", False)
    if value is None:
        return Quota(default.value, f"{what} has no value; {default.source}", False)
    return Quota(float(value), f"{what}, read from the account", True)


def from_aws(region: str, *, table_name: str | None, client: ClientFactory | None = None) -> Quotas:
    if client is None:
        import boto3

        client = boto3.client
    defaults = Quotas.defaults(region)
    quotas = client("service-quotas", region_name=region)

    def service_quota(service: str, code: str) -> Callable[[], float | None]:
        def read() -> float | None:
            found = quotas.get_service_quota(ServiceCode=service, QuotaCode=code)
            return float(found["Quota"]["Value"])

        return read

    def lambda_limit() -> float | None:
        found = client("lambda", region_name=region).get_account_settings()
        return float(found["AccountLimit"]["ConcurrentExecutions"])

    ses: dict[str, Any] = {}

    def ses_quota(key: str) -> Callable[[], float | None]:
        def read() -> float | None:
            if not ses:
                ses.update(client("sesv2", region_name=region).get_account())
            value = ses.get("SendQuota", {}).get(key)
            return None if value is None else float(value)

        return read

    def warm_writes() -> float | None:
        if table_name is None:
            return None
        table = client("dynamodb", region_name=region).describe_table(TableName=table_name)
        value = table["Table"].get("WarmThroughput", {}).get("WriteUnitsPerSecond")
        return None if value is None else float(value)

    return Quotas(
        ec2_vcpus=_read(
            defaults.ec2_vcpus,
            f"Service Quotas ec2 {EC2_QUOTA_CODE}",
            service_quota("ec2", EC2_QUOTA_CODE),
        ),
        lambda_concurrency=_read(
            defaults.lambda_concurrency, "Lambda GetAccountSettings", lambda_limit
        ),
        api_rps=_read(
            defaults.api_rps,
            f"Service Quotas apigateway {API_QUOTA_CODE}",
            service_quota("apigateway", API_QUOTA_CODE),
        ),
        ses_day=_read(defaults.ses_day, "SES GetAccount Max24HourSend", ses_quota("Max24HourSend")),
        ses_rate=_read(defaults.ses_rate, "SES GetAccount MaxSendRate", ses_quota("MaxSendRate")),
        dynamodb_writes=_read(
            defaults.dynamodb_writes, f"DynamoDB {table_name} warm throughput", warm_writes
        ),
        ec2_spot_vcpus=_spot(service_quota("ec2", SPOT_QUOTA_CODE)),
    )


def _spot(read: Callable[[], float | None]) -> Quota | None:
    """The Spot quota, or None when it cannot be read: there is no documented default to keep."""
    try:
        value = read()
    except Exception:  # botocore's errors
        return None
    if value is None:
        return None
    return Quota(value, f"Service Quotas ec2 {SPOT_QUOTA_CODE}, read from the account", True)


@cache
def _moto_types() -> dict[str, Any]:
    # The data file, found without importing moto.ec2 (a second's worth of imports).
    spec = importlib.util.find_spec("moto")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("moto")
    data = Path(spec.submodule_search_locations[0]) / "ec2" / "resources" / "instance_types.json.gz"
    loaded: dict[str, Any] = json.loads(gzip.decompress(data.read_bytes()))
    return loaded


def vcpus_offline(kind: str) -> int | None:
    try:
        info = _moto_types().get(kind)
    except (ModuleNotFoundError, FileNotFoundError):
        return None
    return int(info["VCpuInfo"]["DefaultVCpus"]) if info else None


def vcpus_from_aws(region: str, client: ClientFactory | None = None) -> Callable[[str], int | None]:
    if client is None:
        import boto3

        client = boto3.client
    ec2 = client("ec2", region_name=region)

    def of(kind: str) -> int | None:
        try:
            found = ec2.describe_instance_types(InstanceTypes=[kind])["InstanceTypes"]
        except Exception:  # unknown type, no permission: the offline data answers instead
            return vcpus_offline(kind)
        return int(found[0]["VCpuInfo"]["DefaultVCpus"]) if found else None

    return of
