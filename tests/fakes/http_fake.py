"""A tiny threaded HTTP server on a free 127.0.0.1 port for protocol-faithful provider fakes."""

from __future__ import annotations

import base64
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Call:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        """The body as an x-www-form-urlencoded mapping."""
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body or b"null")

    def basic_auth(self) -> tuple[str, str] | None:
        """The (user, password) of an Authorization: Basic header."""
        value = self.headers.get("authorization", "")
        if not value.lower().startswith("basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        return user, password


@dataclass
class Reply:
    """What the fake answers."""

    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        """Body bytes and headers (JSON bodies get their content type)."""
        headers = dict(self.headers)
        if isinstance(self.body, dict | list):
            headers.setdefault("Content-Type", "application/json")
            return json.dumps(self.body).encode(), headers
        return (self.body.encode() if isinstance(self.body, str) else self.body), headers


class FakeServer:
    """Subclasses implement route(call) -> Reply; tests queue failures with fail_next()."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._failures: deque[tuple[str, Reply]] = deque()
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                parts = urlsplit(self.path)
                call = Call(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query)),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                reply = fake.dispatch(call)
                body, headers = reply.encoded()
                self.send_response(reply.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _serve  # noqa: N815

            def log_message(self, *args: Any) -> None:
                return

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                return  # a client that hangs up early (size limit hit) is expected here

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, path_part: str, reply: Reply, times: int = 1) -> None:
        """Answer the next `times` requests whose path contains path_part with reply."""
        with self._lock:
            self._failures.extend((path_part, reply) for _ in range(times))

    def dispatch(self, call: Call) -> Reply:
        """Record the call, serve an injected failure if one matches, else route it."""
        with self._lock:
            self.calls.append(call)
            for i, (part, reply) in enumerate(self._failures):
                if part in call.path:
                    del self._failures[i]
                    return reply
        return self.route(call)

    def route(self, call: Call) -> Reply:
        """Provider behaviour; overridden."""
        return Reply(404, {"error": "not found"})

    def calls_to(self, path_part: str, method: str = "POST") -> list[Call]:
        """Calls whose path contains path_part."""
        return [c for c in self.calls if path_part in c.path and c.method == method]
