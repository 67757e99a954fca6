"""A local fake of the X API v2 parts we use: mentions timeline and POST /2/tweets."""

from __future__ import annotations

import base64
import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

REACH = 800  # the mentions endpoint reaches the most recent 800 mentions only


class FakeXApi:
    """Serves tweets newest first with since_id/start_time/pagination, expansions and 429s."""

    def __init__(self, bearer_token: str = "test-bearer") -> None:
        self.bearer_token = bearer_token
        self.tweets: list[dict[str, Any]] = []
        self.includes: dict[str, list[dict[str, Any]]] = {"users": [], "media": [], "places": []}
        self.posted: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        self.rate_limit_next = 0  # answer the next N mentions calls with 429
        self.reset_in_s = 900
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def load_page(self, page: dict[str, Any]) -> None:
        """Add the tweets and includes of a recorded page."""
        with self._lock:
            self.tweets.extend(page.get("data", []))
            for key, items in (page.get("includes") or {}).items():
                self.includes.setdefault(key, []).extend(items)

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    # -- the endpoint logic ---------------------------------------------------------------
    def mentions(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """GET /2/users/:id/mentions over the stored tweets."""
        with self._lock:
            ordered = sorted(self.tweets, key=lambda t: int(t["id"]), reverse=True)[:REACH]
        since = int(query.get("since_id", ["0"])[0])
        start = query.get("start_time", [""])[0]
        found = [
            t
            for t in ordered
            if int(t["id"]) > since and (not start or _when(t["created_at"]) >= _when(start))
        ]
        offset = (
            int(base64.b32decode(query["pagination_token"][0], casefold=True).decode())
            if "pagination_token" in query
            else 0
        )
        size = int(query.get("max_results", ["10"])[0])
        page = found[offset : offset + size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if offset + size < len(found):
            meta["next_token"] = base64.b32encode(str(offset + size).encode()).decode().lower()
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = page
            body["includes"] = self._includes_for(page)
        return body

    def _includes_for(self, page: list[dict[str, Any]]) -> dict[str, Any]:
        users = {t.get("author_id") for t in page}
        media = {k for t in page for k in (t.get("attachments") or {}).get("media_keys", [])}
        places = {(t.get("geo") or {}).get("place_id") for t in page}
        out = {
            "users": [u for u in self.includes["users"] if u["id"] in users],
            "media": [m for m in self.includes["media"] if m["media_key"] in media],
            "places": [p for p in self.includes["places"] if p["id"] in places],
        }
        return {k: v for k, v in out.items() if v}

    def post_tweet(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST /2/tweets: refuses duplicate text like X does."""
        with self._lock:
            if any(p["text"] == body.get("text") for p in self.posted):
                return 403, {
                    "detail": "You are not allowed to create a Tweet with duplicate content.",
                    "type": "about:blank",
                    "title": "Forbidden",
                    "status": 403,
                }
            new_id = str(1861299999999990000 + len(self.posted))
            self.posted.append({"id": new_id, **body})
        return 201, {
            "data": {"id": new_id, "text": body.get("text"), "edit_history_tweet_ids": [new_id]}
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(
                self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json; charset=utf-8")
                self.send_header("content-length", str(len(raw)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                fake.requests.append(("GET", url.path, query))
                if self.headers.get("Authorization") != f"Bearer {fake.bearer_token}":
                    self._send(
                        401,
                        {
                            "title": "Unauthorized",
                            "type": "about:blank",
                            "status": 401,
                            "detail": "Unauthorized",
                        },
                    )
                elif fake.rate_limit_next > 0:
                    fake.rate_limit_next -= 1
                    reset = str(int(time.time()) + fake.reset_in_s)
                    self._send(
                        429,
                        {
                            "title": "Too Many Requests",
                            "detail": "Too Many Requests",
                            "type": "about:blank",
                            "status": 429,
                        },
                        {
                            "x-rate-limit-limit": "10",
                            "x-rate-limit-remaining": "0",
                            "x-rate-limit-reset": reset,
                        },
                    )
                elif url.path.startswith("/2/users/") and url.path.endswith("/mentions"):
                    self._send(200, fake.mentions(query), {"x-rate-limit-remaining": "9"})
                elif url.path.startswith("/2/users/"):
                    user_id = url.path.rsplit("/", 1)[-1]
                    users = [u for u in fake.includes["users"] if u["id"] == user_id]
                    self._send(200, {"data": users[0]} if users else {"errors": [{}]})
                else:
                    self._send(404, {"title": "Not Found", "status": 404})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(("POST", self.path, {}))
                if not self.headers.get("Authorization", "").startswith("OAuth "):
                    self._send(
                        403,
                        {
                            "title": "Unsupported Authentication",
                            "status": 403,
                            "detail": "OAuth 1.0a user context required",
                        },
                    )
                    return
                self._send(*fake.post_tweet(body))

        return Handler


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00").replace(".000", ""))
