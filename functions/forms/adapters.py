"""Mailing-list adapters: hand one contact to the list. `ListRefused` means "final: the list keeps
this address out"; any other exception means "retry later".

`SesV2ContactList` (default) and `HttpListAdapter` (Mailchimp-style members API, API key from
Secrets Manager) are both idempotent at the provider (already-present counts as success), which
covers the one window the store's claim cannot: a crash after the provider accepted the contact
but before `listed` was written.

An address that unsubscribed at the list is never resubscribed by a form post: unsubscribing is
the recipient's choice, recorded by the list, and a sign-up form is not proof it was reversed.
- SES v2: `CreateContact` on an existing contact fails with AlreadyExistsException and changes
  nothing; the adapter then reads the contact (`GetContact`) and, when `UnsubscribeAll` is set,
  raises `ListRefused` ("unsubscribed at the list"). The subscriber's item records it.
- Mailchimp-style: `PUT /lists/{id}/members/{hash}` with `status_if_new: subscribed` leaves an
  existing member's status as it is; an answer whose `status` is `unsubscribed` or `cleaned`, and
  any 400 (Mailchimp's "Member In Compliance State", "Forgotten Email Not Subscribed", an address
  it considers fake), raises `ListRefused` with the provider's title. The person resubscribes
  through the provider's own hosted form, which Mailchimp requires for compliance-state members.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
from typing import Any, Protocol

from botocore.exceptions import ClientError


class ListRefused(Exception):
    """The list keeps this address out for good; recorded, never retried."""


class ListAdapter(Protocol):
    def add(self, email: str, attributes: dict[str, Any]) -> None: ...


class SesV2ContactList:
    def __init__(self, sesv2: Any, contact_list_name: str) -> None:
        self._ses = sesv2
        self._list = contact_list_name

    def add(self, email: str, attributes: dict[str, Any]) -> None:
        try:
            self._ses.create_contact(
                ContactListName=self._list,
                EmailAddress=email,
                UnsubscribeAll=False,
                AttributesData=json.dumps(attributes, sort_keys=True),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "AlreadyExistsException":
                raise
            contact = self._ses.get_contact(ContactListName=self._list, EmailAddress=email)
            if contact.get("UnsubscribeAll"):
                raise ListRefused("unsubscribed at the list (SES UnsubscribeAll)") from None


class ProviderError(Exception):
    """The HTTP provider refused or failed; the message is retried."""


class HttpListAdapter:
    """PUT {base}/lists/{id}/members/{md5(email)}: an upsert, so a repeat is harmless."""

    def __init__(
        self,
        base_url: str,
        list_id: str,
        secrets: Any,
        secret_arn: str,
        timeout_seconds: float = 5.0,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._list_id = list_id
        self._secrets = secrets
        self._secret_arn = secret_arn
        self._timeout = timeout_seconds
        self._auth: str | None = None

    def _authorization(self) -> str:
        # Read once per container: the secret is fetched on first use, not at import, so a cold
        # start does not pay for it and rotation takes effect on the next container.
        if self._auth is None:
            key = self._secrets.get_secret_value(SecretId=self._secret_arn)["SecretString"]
            self._auth = "Basic " + base64.b64encode(f"spikeproof:{key}".encode()).decode()
        return self._auth

    def add(self, email: str, attributes: dict[str, Any]) -> None:
        member = hashlib.md5(email.encode(), usedforsecurity=False).hexdigest()
        body = {"email_address": email, "status_if_new": "subscribed", "merge_fields": attributes}
        request = urllib.request.Request(
            f"{self._base}/lists/{self._list_id}/members/{member}",
            data=json.dumps(body).encode(),
            method="PUT",
            headers={"Authorization": self._authorization(), "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                answer = _json_object(response.read())
        except urllib.error.HTTPError as error:
            if error.code == 401:
                self._auth = None  # the key may have rotated; fetch it again on the retry
            if error.code == 400:
                title = _json_object(error.read()).get("title") or "refused (400)"
                raise ListRefused(f"the list provider refused the address: {title}") from None
            raise ProviderError(f"list provider answered {error.code}") from error
        except OSError as error:
            raise ProviderError(f"list provider unreachable: {error}") from error
        if answer.get("status") in ("unsubscribed", "cleaned"):
            raise ListRefused(f"{answer['status']} at the list; not resubscribed")


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
