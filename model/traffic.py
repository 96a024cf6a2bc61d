"""Real access logs as edge requests: Cloudflare Logpush JSON lines, ALB access logs, the combined
log format, or a plain list of URLs, each line turned into a `model.edge_eval.Request` to replay
through the stack's generated rules.

Pure: takes lines, returns requests (the command reads the file). A line that is none of these is
reported with its number, never guessed at.

Formats and their sources:
- Cloudflare Logpush, `http_requests` dataset, JSON lines: `ClientRequestHost`,
  `ClientRequestURI` (path and query), `ClientRequestMethod`, `ClientIP`, `EdgeColoCode`,
  `EdgeStartTimestamp` (RFC 3339, Unix seconds or Unix nanoseconds, by the job's
  `timestamp_format`), optional `RequestHeaders.cookie` (Cloudflare's fields reference,
  logs/reference/log-fields/zone/http_requests).
- ALB access log entries (AWS Elastic Load Balancing user guide, "Access log entries"):
  space-separated, quoted where needed: type, time, elb, client:port, ..., "request" as
  `METHOD scheme://host:port/path?query HTTP/x`; the 13th field.
- Combined log format (Apache httpd `LogFormat "%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\"
  \\"%{User-agent}i\\""`): no host, so the command's `--host` (the first edge hostname).
- URL list: one `https://host/path?query` or `/path?query` per line.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit

from model.edge_eval import Request

LogFormat = Literal["logpush", "alb", "combined", "urls"]
FORMATS: tuple[LogFormat, ...] = ("logpush", "alb", "combined", "urls")

_COMBINED = re.compile(
    r'^(?P<ip>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<target>\S+)(?: [^"]*)?" '
    r"\d{3} \S+"
)
_ALB_TYPES = frozenset({"http", "https", "h2", "grpcs", "ws", "wss"})


class LogError(ValueError):
    """A line that is not in the log's format: names the line and what was expected."""


@dataclass(frozen=True, kw_only=True)
class Labels:
    """How a replayed request is classed in the report (the replay's labels)."""

    static_extensions: frozenset[str]
    bypass_prefixes: tuple[str, ...]

    def of(self, method: str, path: str) -> str:
        if method.upper() == "POST":
            return "form"
        low = path.lower()
        for prefix in self.bypass_prefixes:
            p = prefix.rstrip("/").lower()
            if low == p or low.startswith(p + "/"):
                return "app"
        last = path.rsplit("/", 1)[-1]
        ext = last.rsplit(".", 1)[-1].lower() if "." in last else ""
        return "asset" if ext in self.static_extensions else "page"


def detect(lines: Sequence[str]) -> LogFormat:
    """The format of a log from its first non-empty line."""
    first = next(
        (line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")), ""
    )
    if first.startswith("{"):
        return "logpush"
    if first.startswith(("http://", "https://", "/")):
        return "urls"
    head = first.split(" ", 1)[0]
    if head in _ALB_TYPES and re.match(r"^\S+ \d{4}-\d\d-\d\dT", first):
        return "alb"
    if _COMBINED.match(first):
        return "combined"
    raise LogError(
        "the first line is not a recognised log format (Logpush JSON, ALB access log, combined "
        "log format or a list of URLs); pass --format to say which"
    )


def parse(
    lines: Iterable[str], *, fmt: LogFormat, default_host: str, labels: Labels
) -> list[Request]:
    """Every non-empty line as a request, in time order (lines without a time keep file order)."""
    out: list[Request] = []
    for _number, request in _entries(lines, fmt, default_host):
        method, host, path, query, ip, colo, t, cookies, _extras = request
        if t is None:
            # A line without a time is taken as at the previous line's (or the first's) time.
            t = out[-1].time_seconds if out else 0.0
        out.append(
            Request(
                host=host.lower(),
                path=path or "/",
                query=query,
                method=method,
                ip=ip or "198.51.100.1",
                colo=colo or "LHR",
                time_seconds=t,
                cookies=cookies,
                label=labels.of(method, path or "/"),
            )
        )
    start = min((r.time_seconds for r in out), default=0.0)
    return sorted(
        (dataclasses.replace(r, time_seconds=r.time_seconds - start) for r in out),
        key=lambda r: r.time_seconds,
    )


_Parsed = tuple[str, str, str, str, str, str, float | None, dict[str, str], dict[str, str]]
"""method, host, path, query, client ip, colo, time, cookies, extras (what a review reads: the
edge's cache status and the user agent where the format has them)."""


def _entries(
    lines: Iterable[str], fmt: LogFormat, default_host: str
) -> Iterable[tuple[int, _Parsed]]:
    """(line number, parsed entry) for every non-empty, non-comment line; a line that is not in
    the format is a LogError naming it."""
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            yield number, _PARSERS[fmt](line, default_host)
        except (ValueError, KeyError, IndexError, OverflowError, UnicodeError, TypeError) as exc:
            raise LogError(f"line {number}: not a {fmt} entry ({exc})") from None


def _split_target(target: str, default_host: str) -> tuple[str, str, str]:
    parts = urlsplit(target)
    host = parts.hostname or default_host
    return host, parts.path, parts.query


def _logpush(line: str, default_host: str) -> _Parsed:
    entry = json.loads(line)
    if not isinstance(entry, dict):
        raise ValueError("a JSON object per line")
    uri = str(entry["ClientRequestURI"])
    uri.encode("utf-8")  # a lone surrogate (JSON allows "\ud800") is no URI
    path, _, query = uri.partition("?")
    headers = entry.get("RequestHeaders") or {}
    cookie = str(headers.get("cookie") or "") if isinstance(headers, dict) else ""
    origin = entry.get("OriginResponseStatus")
    if origin is not None:
        origin = int(origin)  # a status is a number; anything else makes the line bad
    extras = {
        "cache": str(entry.get("CacheCacheStatus") or "").lower(),
        "agent": str(entry.get("ClientRequestUserAgent") or ""),
        "worker": str(entry.get("WorkerScriptName") or ""),
        "origin": "" if origin is None else str(origin),
        "subrequest": "1" if entry.get("WorkerSubrequest") is True else "",
    }
    return (
        str(entry.get("ClientRequestMethod") or "GET").upper(),
        str(entry.get("ClientRequestHost") or default_host),
        path,
        query,
        str(entry.get("ClientIP") or ""),
        str(entry.get("EdgeColoCode") or ""),
        _timestamp(entry.get("EdgeStartTimestamp")),
        _cookies(cookie),
        extras,
    )


def _alb(line: str, default_host: str) -> _Parsed:
    fields = shlex.split(line)
    if fields[0] not in _ALB_TYPES:
        raise ValueError(f"type {fields[0]!r} is not an ALB entry type")
    method, target, _version = fields[12].split(" ", 2)
    host, path, query = _split_target(target, default_host)
    client = fields[3].rsplit(":", 1)[0]
    extras = {"agent": fields[13] if len(fields) > 13 else ""}
    return (method.upper(), host, path, query, client, "", _timestamp(fields[1]), {}, extras)


def _combined(line: str, default_host: str) -> _Parsed:
    match = _COMBINED.match(line)
    if match is None:
        raise ValueError('expected: ip - user [time] "METHOD /path HTTP/x" status bytes')
    host, path, query = _split_target(match["target"], default_host)
    t = datetime.strptime(match["time"], "%d/%b/%Y:%H:%M:%S %z").timestamp()
    return (match["method"], host, path, query, match["ip"], "", t, {}, {})


def _urls(line: str, default_host: str) -> _Parsed:
    if not line.startswith(("http://", "https://", "/")):
        raise ValueError("a URL (https://host/path?query) or a path (/path?query)")
    host, path, query = _split_target(line, default_host)
    return ("GET", host, path, query, "", "", None, {}, {})


def _timestamp(value: object) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        number = float(value)
        if not math.isfinite(number) or not 0 <= number < 1e20:
            raise ValueError(f"timestamp {value!r} is not a time")
        return number / 1e9 if number > 1e14 else number
    text = str(value)
    if text.isdigit():
        return _timestamp(int(text))
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp()


def _cookies(header: str) -> dict[str, str]:
    jar: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            jar[name] = value
    return jar


_PARSERS = {"logpush": _logpush, "alb": _alb, "combined": _combined, "urls": _urls}


@dataclass(frozen=True)
class Observed:
    """A logged request at its real time (Unix seconds), with what the log says beyond the
    request: the edge's cache status (Logpush `CacheCacheStatus`), the Worker that answered
    (`WorkerScriptName`), the user agent."""

    method: str
    host: str
    path: str
    ip: str
    at: float
    cache: str = ""
    worker: str = ""
    agent: str = ""
    origin_status: int | None = None
    """Logpush `OriginResponseStatus`: 0 when the edge answered, the origin's status otherwise."""
    subrequest: bool = False
    """Logpush `WorkerSubrequest`: a Worker's own fetch, logged beside the request it serves."""


def observe(lines: Iterable[str], *, fmt: LogFormat, default_host: str) -> list[Observed]:
    """Every non-empty line at its logged time, in time order; a line without a time is an
    error (a review places each request in its minute)."""
    out: list[Observed] = []
    for number, request in _entries(lines, fmt, default_host):
        method, host, path, _q, ip, _colo, t, _cookies, extras = request
        origin_status = int(extras["origin"]) if extras.get("origin") else None
        if t is None:
            raise LogError(f"line {number}: no time (a review needs each request's time)")
        out.append(
            Observed(
                method=method,
                host=host.lower(),
                path=path or "/",
                ip=ip,
                at=t,
                cache=extras.get("cache", ""),
                worker=extras.get("worker", ""),
                agent=extras.get("agent", ""),
                origin_status=origin_status,
                subrequest=bool(extras.get("subrequest")),
            )
        )
    return sorted(out, key=lambda o: o.at)
