"""Lambda entry point of the ingest function: config and clients built once per container."""

from __future__ import annotations

import os

import boto3
from botocore.config import Config

from .config import IngestConfig
from .ingest import make_handler
from .turnstile import TurnstileVerifier

CONFIG = IngestConfig.from_env(os.environ)
# Short timeouts: the API Gateway integration gives up at 30 s, and a client told 503 retries.
_BOTO = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
_sqs = boto3.client("sqs", config=_BOTO)


def _turnstile_secret() -> str:
    secrets = boto3.client("secretsmanager", config=_BOTO)
    return str(secrets.get_secret_value(SecretId=CONFIG.turnstile_secret_arn)["SecretString"])


handler = make_handler(
    CONFIG,
    _sqs,
    verifier=TurnstileVerifier(_turnstile_secret, CONFIG.turnstile_verify_url)
    if CONFIG.turnstile_secret_arn
    else None,
    contact_path=os.environ.get("CONTACT_PATH", "/contact"),
)
