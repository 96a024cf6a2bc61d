"""Lambda entry point of the worker function: config, store and adapter built once per container."""

from __future__ import annotations

import os

import boto3
from botocore.config import Config

from .adapters import HttpListAdapter, ListAdapter, SesV2ContactList
from .config import WorkerConfig
from .store import SubscriberStore
from .worker import make_handler

CONFIG = WorkerConfig.from_env(os.environ)
_BOTO = Config(connect_timeout=2, read_timeout=10, retries={"mode": "standard", "max_attempts": 3})


def _adapter() -> ListAdapter:
    if CONFIG.adapter == "http":
        return HttpListAdapter(
            CONFIG.http_base_url or "",
            CONFIG.http_list_id or "",
            boto3.client("secretsmanager", config=_BOTO),
            CONFIG.secret_arn or "",
        )
    return SesV2ContactList(boto3.client("sesv2", config=_BOTO), CONFIG.contact_list_name or "")


handler = make_handler(
    SubscriberStore(
        boto3.client("dynamodb", config=_BOTO), CONFIG.table_name, CONFIG.handoff_lease_seconds
    ),
    _adapter(),
    sqs=boto3.client("sqs", config=_BOTO) if CONFIG.dlq_url else None,
    dlq_url=CONFIG.dlq_url,
)
