"""A reply sender that appends to a JSONL file: the record of what an imported citizen is told."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path
from typing import ClassVar

from connectors.contract import OutboundReply, SendResult


class FileReplySender:
    """Appends one JSON line per reply; `was_sent` lets the outbox reconcile after a crash."""

    channel: ClassVar[str] = "import"

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, reply: OutboundReply) -> SendResult:
        """Append the reply (flushed and fsynced, under an exclusive lock)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(reply.model_dump(), ensure_ascii=False) + "\n"
        with self.path.open("a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.write(line)
            fh.flush()
        return SendResult(provider_message_id=reply.idempotency_key)

    def was_sent(self, reply: OutboundReply) -> bool:
        """True if a reply with this idempotency key is already in the file."""
        if not self.path.exists():
            return False
        needle = json.dumps(reply.idempotency_key)
        with self.path.open(encoding="utf-8") as fh:
            return any(f'"idempotency_key": {needle}' in line for line in fh)
