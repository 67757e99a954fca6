"""Structured logs (structlog) with personal data redacted from every event."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

#: Keys whose values are personal data whatever they contain.
SENSITIVE_KEYS = frozenset(
    {
        "name",
        "sender_name",
        "contact_name",
        "phone",
        "contact_phone",
        "phone_e164",
        "email",
        "contact_email",
        "nik",
        "handle",
        "sender_handle",
        "recipient",
        "from",
        "to",
        "text",
        "body",
        "address",
        # as providers and partners name them: Telegram first_name/last_name/username, Twilio
        # ProfileName, LAPOR!/walk-in forms in Indonesian (nama, telepon, no_hp, ktp)
        "first_name",
        "last_name",
        "full_name",
        "username",
        "profilename",
        "profile_name",
        "display_name",
        "screen_name",
        "phone_number",
        "reply_to",
        "nama",
        "nama_pelapor",
        "telepon",
        "no_hp",
        "ktp",
        "password",
        "token",
        "secret",
        "authorization",
    }
)
_PATTERNS = [
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[email]"),
    # NIK: 16 digits starting with a province code (11-94), also written in groups
    # ("3171 2345 6789 0123"); before phones, which are shorter.
    (re.compile(r"(?<!\d)(?:1[1-9]|[2-8]\d|9[0-4])(?:[\s.-]?\d){14}(?!\d)"), "[nik]"),
    # Mobile numbers: 08..., 628..., +628... and "+62 812-3456-7890" as people write them.
    (
        re.compile(r"(?<![\w])(?:\+?62[\s.-]?|0)8\d{1,3}[\s.-]?\d{3,4}[\s.-]?\d{3,5}(?!\d)"),
        "[phone]",
    ),
    # Landlines: area code 02x-09x, "(021) 3822255", "021-3822255", "+62 21 3822255".
    (
        re.compile(
            r"(?<![\w])(?:\(0[2-9]\d{0,2}\)|0[2-9]\d{0,2}|\+?62[\s.-]?[2-9]\d{0,2})"
            r"[\s.-]?\d{3,4}[\s.-]?\d{3,4}(?!\d)"
        ),
        "[phone]",
    ),
    (re.compile(r"(?<![\w])\+\d{8,15}(?!\d)"), "[phone]"),
]


def redact_text(value: str) -> str:
    """Replace emails, NIKs and phone numbers inside free text."""
    for pattern, token in _PATTERNS:
        value = pattern.sub(token, value)
    return value


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {
            k: "[redacted]" if str(k).lower() in SENSITIVE_KEYS else _redact(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact(v) for v in value]
    return value


def redact_personal_data(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: no names, phones, emails or NIK leave the process."""
    for key in list(event):
        if key.lower() in SENSITIVE_KEYS:
            event[key] = "[redacted]"
        else:
            event[key] = _redact(event[key])
    return event


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    """Route stdlib and structlog through one redacting pipeline to stderr."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            redact_personal_data,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, redact_personal_data],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "dramatiq", "alembic", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
