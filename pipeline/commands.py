"""Chat commands citizens type on any channel: STATUS <nomor>, /start, /help."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Telegram appends the bot's username to commands sent in groups ("/status@DKIBot"):
# https://core.telegram.org/bots/features#commands
_STATUS = re.compile(
    r"^\s*(?P<slash>/)?(?:status|cek|lacak)(?:@\w+)?(?![\w@])"
    r"(?:\s+laporan(?:\s+saya)?\b)?(?:\s+(?:nomor|no)\b\.?)?"
    r"[\s:#.-]*(?P<rest>.*?)[\s?!.]*$",
    re.IGNORECASE | re.DOTALL,
)
_WELCOME = re.compile(r"^\s*/(?:start|help|bantuan)(?:@\w+)?\s*$", re.IGNORECASE)
_LAPOR = re.compile(r"^\s*/lapor(?:@\w+)?\s*", re.IGNORECASE)
# The separators citizens put between the groups of a number, as crm_core's parser accepts them.
_SEPARATORS = re.compile(r"[\s\-_.#/]+")
#: A tracking number has 9 symbols (JK7M-29QX-4); a mistyped one is still answered with a hint.
_NUMBER_LENGTH = 9
_MISTYPED_LENGTHS = range(6, 13)


@dataclass(frozen=True)
class Command:
    """A recognised command and its argument."""

    name: str  # status | welcome
    argument: str = ""


def looks_like_number(text: str) -> bool:
    """True for a (possibly mistyped) tracking number, False for words ("jalan rusak parah")."""
    groups = [g for g in _SEPARATORS.split(text) if g]
    if not 1 <= len(groups) <= 3 or not all(g.isascii() and g.isalnum() for g in groups):
        return False
    compact = "".join(groups)
    if any(ch.isdigit() for ch in compact):
        return len(compact) in _MISTYPED_LENGTHS
    # All letters happens to a real number now and then (no digit drawn): accept only the
    # exact shape, one block or grouped 4-4-1, so "cek got mampet" stays a complaint.
    return len(compact) == _NUMBER_LENGTH and [len(g) for g in groups] in ([9], [4, 4, 1])


def detect(text: str) -> Command | None:
    """The command a message carries, or None when it is a complaint."""
    if _WELCOME.match(text):
        return Command("welcome")
    match = _STATUS.match(text)
    if match is None:
        return None
    rest = match.group("rest")
    if not rest:
        return Command("status")  # "cek laporan": answered with how to write the number
    # A slash command is addressed to the bot whatever follows; a bare keyword must be followed
    # by something shaped like a number, or "Status jalan rusak ..." would never be a complaint.
    return Command("status", rest) if match.group("slash") or looks_like_number(rest) else None


def strip_lapor(text: str) -> str:
    """Telegram's /lapor prefix is not part of the complaint."""
    return _LAPOR.sub("", text, count=1)
