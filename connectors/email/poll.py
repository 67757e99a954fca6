"""The mailbox poller: IMAP fetch after (UIDVALIDITY, last UID), IDLE between batches."""

from __future__ import annotations

import hashlib
import mimetypes
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import structlog
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from config.settings import EmailSettings
from connectors.contract import (
    AuthFailed,
    BadConfig,
    InboundMessage,
    MediaRef,
    TemporarilyUnavailable,
    UnsupportedEvent,
)
from connectors.email.mime import Attachment
from connectors.email.parse import CHANNEL, MalformedEmail, parse_email
from connectors.poll_loop import Malformed

log = structlog.get_logger(__name__)

# RFC 2177: servers may drop an idle client after 30 minutes, so IDLE is renewed before that.
IDLE_RENEW_S = 25 * 60
_FETCH_ITEMS = [b"BODY.PEEK[]", b"INTERNALDATE"]  # PEEK: reading must not mark mail \Seen


def _connection_errors() -> tuple[type[BaseException], ...]:
    return (IMAPClientAbortError, OSError, socket.timeout, EOFError)


def store_attachment(media_dir: Path, item: Attachment) -> MediaRef:
    """Write an attachment under its digest (idempotent) and point a MediaRef at it."""
    digest = hashlib.sha256(item.data).hexdigest()
    ext = mimetypes.guess_extension(item.content_type) or ".bin"
    path = media_dir / f"{digest}{ext}"
    if not path.exists():
        media_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(item.data)
        tmp.replace(path)  # atomic: a crash never leaves half a photo under the final name
    return MediaRef(
        path=str(path), content_type=item.content_type, size=len(item.data), caption=item.filename
    )


class EmailPoller:
    """Fetches new mail after the cursor; a UIDVALIDITY change rescans (Message-ID dedupes)."""

    channel: ClassVar[str] = CHANNEL

    def __init__(
        self,
        settings: EmailSettings,
        media_dir: Path,
        client_factory: Callable[[], IMAPClient] | None = None,
    ) -> None:
        self.settings = settings
        self.media_dir = media_dir
        self._factory = client_factory or self._connect
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None
        self._malformed: list[Malformed] = []
        self.has_more = False
        self.note = ""
        self.ignored_automatic = 0
        own = {settings.from_address.lower(), settings.username.lower()}
        self._own = frozenset(a for a in own if "@" in a)

    def _connect(self) -> IMAPClient:
        s = self.settings
        if not s.imap_host:
            raise BadConfig("INTAKE_EMAIL__IMAP_HOST", "not set")
        client = IMAPClient(s.imap_host, port=s.imap_port, ssl=s.imap_ssl, timeout=s.timeout_s)
        try:
            client.login(s.username, s.password.get_secret_value() if s.password else "")
        except LoginError as exc:
            client.shutdown()
            raise AuthFailed(f"IMAP login refused for INTAKE_EMAIL__USERNAME: {exc}") from exc
        return client

    def _selected(self) -> IMAPClient:
        if self._client is None:
            client = self._factory()
            try:
                info = client.select_folder(self.settings.folder, readonly=True)
            except IMAPClientAbortError:
                raise
            except IMAPClientError as exc:
                client.logout()
                raise BadConfig("INTAKE_EMAIL__FOLDER", f"cannot open: {exc}") from exc
            self._client, self._uidvalidity = client, int(info[b"UIDVALIDITY"])
        return self._client

    def close(self) -> None:
        """Drop the connection (after an error, or at shutdown)."""
        client, self._client = self._client, None
        if client is not None:
            try:
                client.logout()
            except Exception:  # noqa: BLE001 - the socket may already be gone
                client.shutdown() if hasattr(client, "shutdown") else None

    def fetch(self, cursor: dict[str, Any] | None) -> tuple[list[InboundMessage], dict[str, Any]]:
        """Next batch after (uidvalidity, last_uid); IMAP trouble becomes TemporarilyUnavailable."""
        try:
            return self._fetch(cursor or {})
        except (AuthFailed, BadConfig):
            raise
        except _connection_errors() as exc:
            self.close()
            raise TemporarilyUnavailable(f"IMAP connection lost: {type(exc).__name__}") from exc
        except IMAPClientError as exc:
            self.close()
            raise TemporarilyUnavailable(f"IMAP error: {exc}") from exc

    def _fetch(self, cursor: dict[str, Any]) -> tuple[list[InboundMessage], dict[str, Any]]:
        client = self._selected()
        last_uid = int(cursor.get("last_uid", 0))
        self.note = ""
        if cursor.get("uidvalidity") not in (None, self._uidvalidity):
            # RFC 3501 2.3.1.1: UIDs from another UIDVALIDITY mean nothing; read the folder again.
            # Inbox rows are unique on Message-ID, so mail already stored is not stored twice.
            log.warning(
                "imap_uidvalidity_changed", old=cursor.get("uidvalidity"), new=self._uidvalidity
            )
            self.note, last_uid = "UIDVALIDITY changed: folder rescanned", 0
        # "UID n:*" always matches the highest UID even when it is <= n (RFC 3501 6.4.8).
        uids = sorted(u for u in client.search(["UID", f"{last_uid + 1}:*"]) if u > last_uid)
        batch = uids[: self.settings.batch_size]
        self.has_more = len(uids) > len(batch)
        new_cursor = {"uidvalidity": self._uidvalidity, "last_uid": max(batch, default=last_uid)}
        if not batch:
            return [], new_cursor
        fetched = client.fetch(batch, _FETCH_ITEMS)
        msgs = [m for uid in batch if (m := self._parse(uid, fetched.get(uid, {}))) is not None]
        if self.has_more:
            self.note = self.note or f"{len(uids) - len(batch)} messages still waiting"
        return msgs, new_cursor

    def _parse(self, uid: int, item: dict[bytes, Any]) -> InboundMessage | None:
        raw = item.get(b"BODY[]") or b""
        imap = {"folder": self.settings.folder, "uidvalidity": self._uidvalidity, "uid": uid}
        internal = item.get(b"INTERNALDATE")
        if isinstance(internal, datetime):
            internal = internal.astimezone(UTC) if internal.tzinfo else internal
        try:
            parsed = parse_email(
                raw,
                internal_date=internal,
                own_addresses=self._own,
                imap=imap,
                max_attachment_bytes=self.settings.max_attachment_bytes,
            )
        except UnsupportedEvent as exc:
            self.ignored_automatic += 1
            log.info("email_ignored", uid=uid, reason=str(exc))
            return None
        except (MalformedEmail, Exception) as exc:  # noqa: BLE001 - any bad mail is kept, flagged
            # keyed on the bytes, not the UID, so a UIDVALIDITY rescan does not store it twice
            key = f"malformed:sha256:{hashlib.sha256(raw).hexdigest()}"
            self._malformed.append(
                Malformed(
                    key,
                    raw.decode("utf-8", "replace")[:200_000],
                    f"{type(exc).__name__}: {exc}"[:1000],
                )
            )
            return None
        media = [store_attachment(self.media_dir, a) for a in parsed.attachments]
        return parsed.message.model_copy(update={"media": media}) if media else parsed.message

    def take_malformed(self) -> list[Malformed]:
        """Unparseable mail of the last batch, for the loop to store as flagged rows."""
        out, self._malformed = self._malformed, []
        return out

    def wait(self, timeout: float, stop: threading.Event) -> None:
        """Sleep until new mail (IMAP IDLE, RFC 2177), the timeout, or stop; polls if no IDLE."""
        client = self._client
        if not self.settings.idle or client is None or not client.has_capability("IDLE"):
            stop.wait(timeout)
            return
        deadline = time.monotonic() + min(timeout, IDLE_RENEW_S)
        try:
            client.idle()
            while not stop.is_set() and time.monotonic() < deadline:
                responses = client.idle_check(timeout=min(1.0, max(deadline - time.monotonic(), 0)))
                if any(r[1:2] in ((b"EXISTS",), (b"RECENT",)) for r in responses):
                    break
            client.idle_done()
        except (*_connection_errors(), IMAPClientError) as exc:
            log.warning("imap_idle_failed", error=type(exc).__name__)
            self.close()  # the next fetch reconnects
