"""MIME walking: the readable body (plain or HTML) and the image attachments of a message (pure)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from html.parser import HTMLParser

_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "hr",
    "pre",
    "section",
    "article",
}
_SKIP_TAGS = {"script", "style", "head", "title", "template"}
_VOID_TAGS = {"br", "img", "hr", "meta", "link", "input", "col", "area", "base", "wbr", "source"}
# Containers clients put the quoted history in: Gmail "gmail_quote", Yahoo "yahoo_quoted",
# Thunderbird "moz-cite-prefix", Apple Mail and Thunderbird <blockquote>.
_QUOTE_MARKERS = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix")
# Outlook (web and desktop) marks where the quoted history starts and puts it in the elements
# after the marker, not inside it: everything from the marker on is history.
_HISTORY_STARTS = ("divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container")


@dataclass(frozen=True)
class Attachment:
    """A file carried by the message (bytes are written to the media store by the poller)."""

    filename: str
    content_type: str
    data: bytes
    inline: bool


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0  # inside script/style/quoted history
        self._stack: list[bool] = []  # per open element: did it start a skipped subtree?
        self._history = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        marker = " ".join((v or "") for k, v in attrs if k in {"class", "id"}).lower()
        self._history = self._history or any(m in marker for m in _HISTORY_STARTS)
        skip = tag in _SKIP_TAGS or tag == "blockquote" or any(m in marker for m in _QUOTE_MARKERS)
        if tag in _BLOCK_TAGS and not self._skip_depth:
            self.parts.append("\n")
        if tag in _VOID_TAGS:
            return
        self._stack.append(skip)
        self._skip_depth += skip

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID_TAGS or not self._stack:
            return
        self._skip_depth -= self._stack.pop()
        if tag in _BLOCK_TAGS and not self._skip_depth:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth and not self._history:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(markup: str) -> str:
    """Readable text of an HTML mail body, without scripts, styles and quoted history."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts)).replace("\xa0", " ")
    lines = [ln.strip() for ln in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def part_text(part: Message) -> str:
    """Decoded text of one part; unknown or lying charsets fall back instead of failing."""
    payload = part.get_payload(decode=True)  # undoes quoted-printable and base64
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8", "cp1252"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", errors="replace")


def body_text(msg: Message) -> tuple[str, str]:
    """(text, source) of the body: text/plain preferred, else HTML converted; source says which."""
    plain: Message | None = None
    rich: Message | None = None
    for part in msg.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and plain is None:
            plain = part
        elif ctype == "text/html" and rich is None:
            rich = part
    if plain is not None and part_text(plain).strip():
        return part_text(plain), "plain"
    if rich is not None:
        return html_to_text(part_text(rich)), "html"
    return "", "none"


def _filename(part: Message) -> str:
    name = part.get_filename() or ""  # RFC 2231 handled here; RFC 2047 words (Outlook) below
    try:
        return str(make_header(decode_header(name)))
    except (HeaderParseError, LookupError, UnicodeDecodeError, ValueError):
        return name


def attachments(
    msg: Message, *, types: frozenset[str], max_bytes: int, min_inline_bytes: int
) -> tuple[list[Attachment], list[str]]:
    """Images (and allowed documents) attached or inline, plus reasons for the ones left out."""
    kept: list[Attachment] = []
    skipped: list[str] = []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() == "text":
            continue
        ctype = part.get_content_type()
        if ctype.startswith(("message/", "multipart/")):
            continue
        inline = part.get_content_disposition() != "attachment"
        data = part.get_payload(decode=True)
        name = _filename(part)
        if ctype not in types or not isinstance(data, bytes):
            skipped.append(f"type {ctype}")
        elif len(data) > max_bytes:
            skipped.append(f"too large {ctype} {len(data)} bytes")
        elif inline and len(data) < min_inline_bytes:
            # Signature logos and tracking pixels are tiny inline images; a citizen's photo is not.
            skipped.append(f"small inline {ctype}")
        else:
            kept.append(Attachment(filename=name, content_type=ctype, data=data, inline=inline))
    return kept, skipped
