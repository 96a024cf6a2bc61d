"""Lambda entry point of the ingest function: config and clients built once per container."""

from __future__ import annotations

import os

import boto3
from botocore.config import Config

from .config import IngestConfig
from .ingest import make_handler
from .turnstile import TurnstileVerifier

CONFIG = IngestConfig.from_env(os.environ)
# Short timeouts and no retries of the client's own: the handler retries the send itself, only
# while an attempt can still finish inside the invocation (ingest.make_handler, `enqueue`).
_CONNECT, _READ = 1, 2
_SQS = Config(connect_timeout=_CONNECT, read_timeout=_READ, retries={"max_attempts": 1})
_BOTO = Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 2})
_sqs = boto3.client("sqs", config=_SQS)


def _secret(arn: str | None) -> str:
    secrets = boto3.client("secretsmanager", config=_BOTO)
    return str(secrets.get_secret_value(SecretId=arn)["SecretString"])


handler = make_handler(
    CONFIG,
    _sqs,
    verifier=TurnstileVerifier(
        lambda: _secret(CONFIG.turnstile_secret_arn), CONFIG.turnstile_verify_url
    )
    if CONFIG.turnstile_secret_arn
    else None,
    contact_path=os.environ.get("CONTACT_PATH", "/contact"),
    attempt_seconds=_CONNECT + _READ,
    edge_secret=(lambda: _secret(CONFIG.edge_secret_arn)) if CONFIG.edge_secret_arn else None,
)
