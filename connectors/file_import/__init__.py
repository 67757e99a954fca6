"""The "import" channel: JSONL files replayed with `intake replay`; replies go to a local file."""

from __future__ import annotations

from config.settings import Settings
from connectors.file_import.reply import FileReplySender

CHANNEL = "import"


def build_reply_sender(settings: Settings) -> FileReplySender:
    """Replies to imported messages are written to var/replies/<channel>.jsonl."""
    return FileReplySender(settings.var_dir / "replies" / f"{CHANNEL}.jsonl")


__all__ = ["CHANNEL", "build_reply_sender"]
