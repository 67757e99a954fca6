"""Email channel: the complaints mailbox over IMAP (IDLE or polling), replies over SMTP."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from config.settings import Settings
from connectors.contract import MediaRef
from connectors.email.parse import CHANNEL, IMAGE_TYPES
from connectors.email.poll import EmailPoller
from connectors.email.reply import EmailReplySender

__all__ = [
    "CHANNEL",
    "LIMITS",
    "EmailPoller",
    "EmailReplySender",
    "build_media_fetcher",
    "build_poller",
    "build_reply_sender",
    "check_credentials",
]


@dataclass(frozen=True)
class Limits:
    """What the email channel carries (data, not scattered ifs)."""

    max_text_chars: int = 100_000
    media_types: frozenset[str] = IMAGE_TYPES
    max_media_bytes: int = 10_000_000
    reply_window_s: float | None = None  # mail can be answered any time


LIMITS = Limits()


def media_dir(settings: Settings) -> Path:
    """Where attachments of the mailbox are kept (content-addressed)."""
    return settings.var_dir / "media" / CHANNEL


def build_poller(settings: Settings) -> EmailPoller | None:
    """The mailbox poller, or None while INTAKE_EMAIL__IMAP_HOST is unset."""
    if not settings.email.imap_host:
        return None
    return EmailPoller(settings.email, media_dir(settings))


def build_reply_sender(settings: Settings) -> EmailReplySender | None:
    """The SMTP sender, or None while INTAKE_EMAIL__SMTP_HOST is unset."""
    return EmailReplySender(settings.email) if settings.email.smtp_host else None


def build_media_fetcher(settings: Settings) -> Callable[[MediaRef], tuple[bytes, str]] | None:
    """Reads attachments the poller stored; refuses any path outside the media folder."""
    root = media_dir(settings).resolve()

    def fetch(ref: MediaRef) -> tuple[bytes, str]:
        path = Path(ref.path).resolve()
        if not ref.path or not path.is_relative_to(root):
            raise ValueError("not an email attachment path")
        if ref.content_type not in LIMITS.media_types:
            raise ValueError(f"type {ref.content_type} not accepted")
        return path.read_bytes(), ref.content_type

    return fetch


def check_credentials(settings: Settings) -> str:
    """Log in over IMAP and open the folder read-only (for `intake doctor`)."""
    poller = EmailPoller(settings.email, media_dir(settings))
    try:
        messages, cursor = poller.fetch({"uidvalidity": None, "last_uid": 4_294_967_294})
        return f"OK: IMAP folder {settings.email.folder} (UIDVALIDITY {cursor['uidvalidity']})"
    finally:
        poller.close()
