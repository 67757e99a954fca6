"""Local HTTP servers for pulled feeds: a LAPOR! partner JSON feed and news RSS/Atom sites."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, dict[str, str], bytes]
Route = Callable[[dict[str, list[str]], dict[str, str]], Answer]


class FeedServer:
    """Serves fixed or computed answers per path on 127.0.0.1; records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, list[str]], dict[str, str]]] = []
        self.fail_next: list[Answer] = []  # answers served before the real route (outages)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def add(self, path: str, body: bytes | str, content_type: str, status: int = 200) -> str:
        """Serve a fixed body at path; returns its full URL."""
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = lambda _q, _h: (status, {"content-type": content_type}, data)
        return self.base_url + path

    def close(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.requests.append((url.path, query, headers))
                route = server.routes.get(url.path)
                if server.fail_next:
                    status, extra, body = server.fail_next.pop(0)
                elif route is None:
                    status, extra, body = 404, {"content-type": "text/plain"}, b"not found"
                else:
                    status, extra, body = route(query, headers)
                self.send_response(status)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


class LaporFeed:
    """A partner feed: pages chained by cursor, bearer token checked, like the poller expects."""

    def __init__(
        self,
        server: FeedServer,
        pages: list[dict[str, Any]],
        token: str,
        path: str = "/api/v1/laporan",
    ) -> None:
        self.pages, self.token = pages, token
        self.url = server.base_url + path
        server.routes[path] = self._answer

    def _answer(self, query: dict[str, list[str]], headers: dict[str, str]) -> Answer:
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"content-type": "application/json"}, b'{"message":"Unauthenticated."}'
        cursor = query.get("cursor", [""])[0]
        index = 0
        if cursor:
            known = [p.get("next_cursor") for p in self.pages]
            index = known.index(cursor) + 1 if cursor in known else len(self.pages)
        if index >= len(self.pages):
            page: dict[str, Any] = {"status": "success", "data": [], "next_cursor": cursor}
        else:
            page = self.pages[index]
        return 200, {"content-type": "application/json"}, json.dumps(page).encode()
