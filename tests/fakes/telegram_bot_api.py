"""A local Telegram Bot API: getMe, sendMessage, getUpdates (offset confirms), getFile, files."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from tests.fakes.http_fake import Call, FakeServer, Reply

_METHOD = re.compile(r"^/bot([^/]+)/(\w+)$")
_FILE = re.compile(r"^/file/bot([^/]+)/(.+)$")


def bot_error(status: int, description: str, retry_after: int | None = None) -> Reply:
    """The Bot API error envelope (https://core.telegram.org/bots/api#making-requests)."""
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return Reply(status, body)


def _params(call: Call) -> dict[str, Any]:
    if call.headers.get("content-type", "").startswith("application/json"):
        return dict(call.json() or {})
    params: dict[str, Any] = {}
    for key, value in (call.form() | call.query).items():
        try:  # python-telegram-bot JSON-encodes every non-string value
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


class FakeTelegram(FakeServer):
    """Checks the bot token in the path like api.telegram.org."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.sent: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.files: dict[str, tuple[bytes, str]] = {}  # file_id -> (bytes, file_path)
        self._next_id = 1000
        self._guard = threading.Lock()

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates."""
        with self._guard:
            self.updates.append(update)

    def route(self, call: Call) -> Reply:
        """Dispatch Bot API methods and file downloads."""
        if m := _FILE.match(call.path):
            if m.group(1) != self.token:
                return bot_error(401, "Unauthorized")
            for data, path in self.files.values():
                if path == m.group(2):
                    return Reply(200, data, {"Content-Type": "image/jpeg"})
            return bot_error(404, "Not Found")
        m = _METHOD.match(call.path)
        if not m or m.group(1) != self.token:
            return bot_error(401, "Unauthorized")
        handler = getattr(self, f"_{m.group(2)}", None)
        if handler is None:
            return bot_error(404, "Not Found: method not found")
        return Reply(200, {"ok": True, "result": handler(_params(call))})

    def _getMe(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {
            "id": 7000000001,
            "is_bot": True,
            "first_name": "CRM Jakarta",
            "username": "CRMJakartaBot",
            "can_join_groups": False,
        }

    def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        with self._guard:
            self._next_id += 1
            self.sent.append(params)
            return {
                "message_id": self._next_id,
                "date": 1763888400,
                "text": params["text"],
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": self._getMe({}),
            }

    def _getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        with self._guard:
            # Calling with an offset confirms every update below it: they are gone for good.
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            return self.updates[:limit]

    def _getFile(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        data, path = self.files[params["file_id"]]
        return {
            "file_id": params["file_id"],
            "file_unique_id": "u" + params["file_id"][-8:],
            "file_size": len(data),
            "file_path": path,
        }
