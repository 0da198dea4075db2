"""The built-in actions: email, HTTP, record updates, run variables, waiting."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime, parse_duration

from .registry import ActionContext, ActionInput, ActionResult, action


@action(
    "send_email",
    inputs={
        "to": ActionInput("any", help="An address, or a list of addresses"),
        "subject": ActionInput("string"),
        "body": ActionInput("string"),
    },
    outputs=["sent_to"],
    readers="to",
)
def send_email(ctx: ActionContext, to: Any, subject: str, body: str) -> ActionResult:
    """Send a plain-text email (through the outbox, with the step's completion: once).
    Its subject and body read the run's answers as its readers may see them."""
    recipients = [to] if isinstance(to, str) else [str(r) for r in to]
    recipients = [r for r in recipients if r]
    if not recipients:
        raise ValueError("send_email: 'to' is empty.")
    return ActionResult(
        outputs={"sent_to": recipients},
        emails=[{"to": recipients, "subject": str(subject), "body": str(body)}],
    )


class HttpActionError(Exception):
    pass


@action(
    "http_request",
    inputs={
        "url": ActionInput("string"),
        "method": ActionInput("string", required=False),
        "json": ActionInput("any", required=False, help="Body sent as JSON"),
        "headers": ActionInput("object", required=False),
        "timeout": ActionInput("number", required=False, help="Seconds, default 10"),
    },
    outputs=["status", "json", "text"],
)
def http_request(
    ctx: ActionContext,
    url: str,
    method: str = "POST",
    json: Any = None,
    headers: dict | None = None,
    timeout: float = 10,
) -> dict:
    """Call an HTTP endpoint with a JSON body; a 4xx/5xx answer fails the attempt.
    Sends the attempt's `Idempotency-Key` header (unless `headers` gives one)."""
    host = urlsplit(url).hostname or ""
    allowed = settings.HANDOFF_HTTP_ALLOWED_HOSTS
    if "*" not in allowed and host not in allowed:
        raise HttpActionError(f"http_request: host '{host}' is not in HANDOFF_HTTP_ALLOWED_HOSTS.")
    body = None if json is None else _dumps(json)
    request = urllib.request.Request(url, data=body, method=method.upper())
    request.add_header("Accept", "application/json")
    if ctx.idempotency_key:  # the same on a re-run of this attempt, so the service can tell
        request.add_header("Idempotency-Key", ctx.idempotency_key)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(str(name), str(value))
    try:
        with urllib.request.urlopen(request, timeout=float(timeout)) as response:
            status, text = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", "replace")[:300]
        raise HttpActionError(f"{method.upper()} {url} answered {error.code}: {detail}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise HttpActionError(f"{method.upper()} {url} failed: {error}") from None
    return {"status": status, "json": _loads(text), "text": text[:10000]}


def _dumps(value: Any) -> bytes:
    return json.dumps(value, default=str).encode()


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


@action("update_record", inputs={"fields": ActionInput("object")}, outputs=["updated"])
def update_record(ctx: ActionContext, fields: dict) -> ActionResult:
    """Set fields of the run's record."""
    if ctx.record is None:
        raise ValueError("update_record: this run has no record.")
    return ActionResult(outputs={"updated": sorted(fields)}, record_updates=dict(fields))


@action("set_variables", inputs={"values": ActionInput("object")}, outputs=[])
def set_variables(ctx: ActionContext, values: dict) -> ActionResult:
    """Set run variables, readable by later conditions as vars.<name>."""
    return ActionResult(variables=dict(values))


@action(
    "wait",
    inputs={
        "duration": ActionInput("string", required=False, help="e.g. '2 days, 3:00:00' or '3600'"),
        "until": ActionInput("datetime", required=False),
    },
    outputs=["waited_until"],
)
def wait(ctx: ActionContext, duration: Any = None, until: Any = None) -> ActionResult:
    """Wait for a duration or until a moment, without holding a worker."""
    target = _wait_target(ctx, duration, until)
    if timezone.now() >= target:
        return ActionResult(outputs={"waited_until": target.isoformat()})
    return ActionResult(wait_until=target)


def _wait_target(ctx: ActionContext, duration: Any, until: Any) -> datetime:
    if until not in (None, ""):
        moment = until if isinstance(until, datetime) else parse_datetime(str(until))
        if moment is None:
            raise ValueError(f"wait: '{until}' is not a date and time.")
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    if duration in (None, ""):
        raise ValueError("wait: give a duration or an until.")
    if isinstance(duration, int | float):
        delta = timedelta(seconds=duration)
    else:
        parsed = parse_duration(str(duration))
        if parsed is None:
            raise ValueError(f"wait: '{duration}' is not a duration.")
        delta = parsed
    # Measured from when the step started, so a retry or a wake-up does not restart the clock.
    return (ctx.step_run.started_at or timezone.now()) + delta
