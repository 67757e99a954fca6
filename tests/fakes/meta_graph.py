"""A local Graph API: Send API, comment replies, /me, and attachment URLs on a fake CDN path."""

from __future__ import annotations

import re
import uuid

from tests.fakes.http_fake import Call, FakeServer, Reply

_MESSAGES = re.compile(r"^/v[\d.]+/(\w+)/messages$")
_COMMENTS = re.compile(r"^/v[\d.]+/([\w]+)/comments$")


def graph_error(status: int, code: int, message: str, subcode: int | None = None) -> Reply:
    """Graph API error envelope (https://developers.facebook.com/docs/graph-api/guides/error-handling)."""
    error = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "error_subcode": subcode,
        "fbtrace_id": "AbCdEfGh",
    }
    return Reply(status, {"error": error})


class FakeGraph(FakeServer):
    """Checks the page access token on every call, like graph.facebook.com."""

    def __init__(self, page_id: str, page_token: str) -> None:
        super().__init__()
        self.page_id, self.page_token = page_id, page_token
        self.messages: list[dict] = []
        self.comments: list[tuple[str, str]] = []
        self.media: dict[str, tuple[bytes, str]] = {}

    def media_url(self, name: str) -> str:
        """An attachment URL as Messenger would send it (here on the fake's CDN path)."""
        return f"{self.base_url}/cdn/{name}?oh=sig"

    def route(self, call: Call) -> Reply:
        """Dispatch on Graph paths."""
        if call.path.startswith("/cdn/"):
            data = self.media.get(call.path.removeprefix("/cdn/"))
            return Reply(200, data[0], {"Content-Type": data[1]}) if data else Reply(404, b"")
        if call.query.get("access_token") != self.page_token:
            return graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        if call.path.endswith("/me") and call.method == "GET":
            return Reply(200, {"id": self.page_id, "name": "Pemprov DKI Jakarta"})
        if (m := _MESSAGES.match(call.path)) and call.method == "POST":
            return self._send(call, m.group(1))
        if (m := _COMMENTS.match(call.path)) and call.method == "POST":
            self.comments.append((m.group(1), str(call.json().get("message", ""))))
            return Reply(200, {"id": f"{m.group(1).split('_')[-1]}_{uuid.uuid4().int % 10**15}"})
        return graph_error(400, 100, "Unsupported post request")

    def _send(self, call: Call, page: str) -> Reply:
        if page not in ("me", self.page_id):
            return graph_error(400, 100, "Invalid page")
        body = call.json()
        if body.get("messaging_type") not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            return graph_error(400, 100, "(#100) Param messaging_type is required")
        if body["messaging_type"] == "MESSAGE_TAG" and not body.get("tag"):
            return graph_error(400, 100, "(#100) Tag is required for MESSAGE_TAG")
        self.messages.append(body)
        return Reply(
            200, {"recipient_id": body["recipient"]["id"], "message_id": "m_" + uuid.uuid4().hex}
        )
