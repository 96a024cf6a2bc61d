"""POST a JSON webhook when a page is published or unpublished (stdlib urllib only).

Headers: Content-Type: application/json
         X-CMS-Event: page_published | page_scheduled | page_unpublished
         X-CMS-Signature: sha256=<hex HMAC-SHA256(CMS_WEBHOOK_SECRET, raw body)>
"""

import hashlib
import hmac
import json
import logging
import urllib.request

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from wagtail.signals import page_published, page_unpublished

logger = logging.getLogger(__name__)


def _iso(dt):
    return dt.isoformat() if dt else None


def build_payload(event, page, revision=None):
    return {
        "event": event,
        "sent_at": timezone.now().isoformat(),
        "page": {
            "id": page.id,
            "type": f"{page._meta.app_label}.{page.__class__.__name__}",
            "slug": page.slug,
            "title": page.title,
            "url_path": page.url_path,
            "live": page.live,
            "expired": page.expired,
            "go_live_at": _iso(page.go_live_at),
            "expire_at": _iso(page.expire_at),
            "last_published_at": _iso(page.last_published_at),
        },
        "revision_id": revision.id if revision else None,
    }


def send_webhook(payload):
    url = settings.CMS_WEBHOOK_URL
    if not url:
        return None
    body = json.dumps(payload, sort_keys=True).encode()
    sig = hmac.new(settings.CMS_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    req = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-CMS-Event": payload["event"],
            "X-CMS-Signature": f"sha256={sig}",
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=settings.CMS_WEBHOOK_TIMEOUT) as resp:
            logger.info(
                "webhook %s page=%s -> %s", payload["event"], payload["page"]["id"], resp.status
            )
            return resp.status
    except Exception:  # never break publishing because the receiver is down
        logger.exception("webhook %s page=%s failed", payload["event"], payload["page"]["id"])
        return None


def _dispatch(event, page, revision=None):
    payload = build_payload(event, page, revision)
    # Fire after the publishing transaction commits (runs immediately if not in a transaction).
    transaction.on_commit(lambda: send_webhook(payload))


@receiver(page_published)
def on_page_published(sender, instance, revision=None, **kwargs):
    # Wagtail also sends page_published when a never-published page is only *scheduled*
    # (go_live_at in the future): then instance.live is False. Report that as page_scheduled.
    _dispatch("page_published" if instance.live else "page_scheduled", instance, revision)


@receiver(page_unpublished)
def on_page_unpublished(sender, instance, **kwargs):
    _dispatch("page_unpublished", instance)
