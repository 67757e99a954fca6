"""Strip quoted history, reply headers and signatures from a citizen's email text (pure)."""

from __future__ import annotations

import re

# Reply headers written by the common clients, in English and in Indonesian (Gmail and Outlook
# localised to id-ID). Patterns after GitHub's email_reply_parser and Mailgun's talon, which
# document the same client conventions ("On ... wrote:", Outlook's "From:/Sent:" block).
_REPLY_HEADER = re.compile(
    r"^\s*(On\s.{5,200}\swrote:|Pada\s.{5,200}\s(menulis|wrote):"
    r"|Le\s.{5,200}\sa écrit\s?:)\s*$",
    re.IGNORECASE,
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(Original Message|Pesan Asli|Pesan Asal|Pesan Balasan)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(From|Dari)\s?:\*?\s.+", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(
    r"^\s*\*?(Sent|Dikirim|Date|Tanggal|To|Kepada|Subject|Perihal|Subjek)\s?:", re.IGNORECASE
)
_UNDERSCORE_RULE = re.compile(r"^\s*_{10,}\s*$")
_SIGNATURE = re.compile(r"^-- ?$")  # RFC 3676 section 4.3 signature separator "-- "
_MOBILE_FOOTER = re.compile(
    r"^\s*(Sent from my \w+.*|Dikirim dari (iPhone|Android|ponsel|Yahoo).*|"
    r"Get Outlook for \w+.*|Dapatkan Outlook untuk \w+.*)\s*$",
    re.IGNORECASE,
)


def _is_outlook_header(lines: list[str], i: int) -> bool:
    if i >= len(lines) or not _OUTLOOK_FROM.match(lines[i]):
        return False
    following = [ln for ln in lines[i + 1 : i + 5] if ln.strip()]
    return sum(bool(_OUTLOOK_NEXT.match(ln)) for ln in following) >= 2


def _cut_index(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        # Gmail wraps a long "On <date>, <name> <address> wrote:" over two lines.
        if _REPLY_HEADER.match(line) or _REPLY_HEADER.match(f"{line} {following}"):
            return i
        if _ORIGINAL_MESSAGE.match(line) or _SIGNATURE.match(line):
            return i
        if _UNDERSCORE_RULE.match(line) and _is_outlook_header(lines, i + 1):
            return i
        if _is_outlook_header(lines, i):
            return i
    return len(lines)


def strip_quoted(text: str) -> str:
    """The new part of a message: without quoted history, reply headers and signature."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = lines[: _cut_index(lines)]
    kept = [ln for ln in kept if not ln.lstrip().startswith(">") and not _MOBILE_FOOTER.match(ln)]
    result = _squeeze_blank_lines("\n".join(kept)).strip()
    # A message that is only quotes (e.g. a bare forward) keeps its full text: better an admin
    # reads too much than a complaint disappears.
    return result or _squeeze_blank_lines(text).strip()


def _squeeze_blank_lines(text: str) -> str:
    return re.sub(r"\n[ \t]*\n([ \t]*\n)+", "\n\n", text)
