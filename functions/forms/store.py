"""Subscribers in DynamoDB, keyed by normalised email, with the list hand-off recorded per item.

Item: email (key), kind, consent, name, source, firstSeenAt, lastSeenAt, listed (bool), listedAt,
listOutcome ("added", or "refused: ..." when the list keeps the address out), and while a
hand-off is in flight `claim` (the SQS message id doing it) and `claimAt`.
The claim is what makes "handed to the list exactly once" hold under retries and concurrent
duplicates: only the claim holder calls the list; a failed hand-off releases the claim so the
retry (or any later duplicate, or a redriven message) redoes only the hand-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError


@dataclass(frozen=True)
class Stored:
    listed: bool


def _conditional_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class SubscriberStore:
    def __init__(self, dynamodb: Any, table_name: str, lease_seconds: int) -> None:
        self._ddb = dynamodb
        self._table = table_name
        self._lease_ms = lease_seconds * 1000

    def create_claimed(self, message: dict[str, Any], token: str, now_ms: int) -> bool:
        """First sign-up of an address: create the item already claimed by `token`, in one write.
        False if the address exists (then `upsert` and `claim` decide)."""
        item: dict[str, Any] = {
            "email": {"S": message["email"]},
            "firstSeenAt": {"N": str(now_ms)},
            "lastSeenAt": {"N": str(now_ms)},
            "consent": {"BOOL": bool(message.get("consent"))},
            "name": {"S": message["name"]} if message.get("name") else {"NULL": True},
            "source": {"S": message["source"]} if message.get("source") else {"NULL": True},
            "listed": {"BOOL": False},
            "claim": {"S": token},
            "claimAt": {"N": str(now_ms)},
        }
        try:
            self._ddb.put_item(
                TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(email)"
            )
        except ClientError as error:
            if _conditional_failed(error):
                return False
            raise
        return True

    def upsert(self, message: dict[str, Any], now_ms: int) -> Stored:
        """Create or update the subscriber; a repeat sign-up merges into the same item: a field
        it carries replaces the stored one, a field it leaves empty keeps it (a second sign-up
        without a name never erases the first's name)."""
        names: dict[str, str] = {}
        values: dict[str, Any] = {
            ":now": {"N": str(now_ms)},
            ":consent": {"BOOL": bool(message.get("consent"))},
            ":false": {"BOOL": False},
        }
        sets = [
            "firstSeenAt = if_not_exists(firstSeenAt, :now)",
            "lastSeenAt = :now",
            "consent = :consent",
            "listed = if_not_exists(listed, :false)",
        ]
        for i, key in enumerate(("name", "source")):
            if message.get(key):
                names[f"#f{i}"] = key
                values[f":f{i}"] = {"S": message[key]}
                sets.append(f"#f{i} = :f{i}")
        answer = self._ddb.update_item(
            TableName=self._table,
            Key={"email": {"S": message["email"]}},
            UpdateExpression="SET " + ", ".join(sets),
            **({"ExpressionAttributeNames": names} if names else {}),
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        return Stored(listed=answer["Attributes"]["listed"]["BOOL"])

    def claim(self, email: str, token: str, now_ms: int) -> str:
        """Take the hand-off for `token` (`<message id>:<attempt>`). Returns "claimed" (also when
        the claim already is `token`'s: a retried write whose first answer was lost), "listed",
        "other" (another message holds a live claim) or "self" (an earlier attempt of this same
        message holds it: its visibility timeout ran out while it was still working)."""
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key={"email": {"S": email}},
                UpdateExpression="SET claim = :t, claimAt = :now",
                ConditionExpression=(
                    "listed = :false AND (attribute_not_exists(claim) OR claimAt < :expired)"
                ),
                ExpressionAttributeValues={
                    ":t": {"S": token},
                    ":now": {"N": str(now_ms)},
                    ":expired": {"N": str(now_ms - self._lease_ms)},
                    ":false": {"BOOL": False},
                },
            )
        except ClientError as error:
            if not _conditional_failed(error):
                raise
        else:
            return "claimed"
        item = self._ddb.get_item(
            TableName=self._table, Key={"email": {"S": email}}, ConsistentRead=True
        ).get("Item", {})
        if item.get("listed", {}).get("BOOL"):
            return "listed"
        holder = item.get("claim", {}).get("S", "")
        if holder == token:
            # Our own write landed but its answer was lost: the SDK retried the request, and the
            # retry found the condition false. The token is unique per attempt, so it is ours.
            return "claimed"
        return "self" if holder.split(":", 1)[0] == token.split(":", 1)[0] else "other"

    def mark_listed(self, email: str, now_ms: int, *, outcome: str = "added") -> None:
        """The hand-off is done: `outcome` is "added", or "refused: <the list's reason>"."""
        self._ddb.update_item(
            TableName=self._table,
            Key={"email": {"S": email}},
            UpdateExpression=(
                "SET listed = :true, listedAt = :now, listOutcome = :outcome REMOVE claim, claimAt"
            ),
            ExpressionAttributeValues={
                ":true": {"BOOL": True},
                ":now": {"N": str(now_ms)},
                ":outcome": {"S": outcome},
            },
        )

    def release(self, email: str, token: str) -> None:
        """Give the claim back after a failed hand-off, only if still ours."""
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key={"email": {"S": email}},
                UpdateExpression="REMOVE claim, claimAt",
                ConditionExpression="claim = :t",
                ExpressionAttributeValues={":t": {"S": token}},
            )
        except ClientError as error:
            if not _conditional_failed(error):
                raise

    def put_contact_message(self, message: dict[str, Any], message_id: str, now_ms: int) -> None:
        """Contact-form messages: one item per request id; a redelivery rewrites the same item."""
        self._ddb.put_item(
            TableName=self._table,
            Item={
                "email": {"S": f"contact#{message.get('requestId') or message_id}"},
                "kind": {"S": "contact"},
                "from": {"S": message["email"]},
                "message": {"S": message.get("message") or ""},
                "receivedAt": {"N": str(now_ms)},
            },
        )
