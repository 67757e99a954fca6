"""Chat commands citizens type on any channel: STATUS <nomor>, /start, /help."""

from __future__ import annotations

import re
from dataclasses import dataclass

_STATUS = re.compile(
    r"^\s*/?(?:status|cek|lacak)\b[\s:#-]*(?P<number>[A-Za-z0-9][A-Za-z0-9 -]{3,20})?\s*$",
    re.IGNORECASE,
)
_WELCOME = re.compile(r"^\s*/(?:start|help|bantuan)(?:@\w+)?\s*$", re.IGNORECASE)
_LAPOR = re.compile(r"^\s*/lapor(?:@\w+)?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    """A recognised command and its argument."""

    name: str  # status | welcome
    argument: str = ""


def detect(text: str) -> Command | None:
    """The command a message carries, or None when it is a complaint."""
    if _WELCOME.match(text):
        return Command("welcome")
    match = _STATUS.match(text)
    if match:
        return Command("status", (match.group("number") or "").strip())
    return None


def strip_lapor(text: str) -> str:
    """Telegram's /lapor prefix is not part of the complaint."""
    return _LAPOR.sub("", text, count=1)
