"""An asyncio HTTP/1.1 fault proxy on loopback: 503s, lost responses, slow answers, resets.

Every request is read whole (head + Content-Length body), then one fault decides its fate:
  pass   forward, relay the answer
  503    answer 503 Service Unavailable with Retry-After, never forward (CRM in maintenance)
  lost   forward, let the upstream commit, then hold the client silent until it times out and
         close: "timeout after the CRM accepted" (the case idempotency keys exist for)
  slow   forward, relay the answer after `slow_s`
  reset  forward nothing, close with RST (SO_LINGER 0)
  reset_after  forward, let the upstream commit, then RST instead of answering
The upstream connection carries `Connection: close` so its answer ends at EOF (RFC 9112 9.6).
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from types import TracebackType

FAULTS = ("pass", "503", "lost", "slow", "reset", "reset_after")
Plan = Callable[[str, str], str]  # (method, path) -> fault

SERVICE_UNAVAILABLE = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Retry-After: 1\r\nContent-Length: 49\r\nConnection: close\r\n\r\n"
    b'[{"code":503,"description":"CRM sedang sibuk"}]\r\n'
)


def cycle_plan(faults: Iterator[str], methods: frozenset[str] = frozenset({"POST"})) -> Plan:
    """Apply the next fault of `faults` to each request whose method is in `methods`."""
    lock = threading.Lock()

    def plan(method: str, path: str) -> str:
        if method not in methods:
            return "pass"
        with lock:
            return next(faults, "pass")

    return plan


class FaultProxy:
    """`with FaultProxy(upstream_host, upstream_port, plan) as proxy:` serves at proxy.url."""

    def __init__(
        self, upstream: tuple[str, int], plan: Plan, *, slow_s: float = 1.5, hold_s: float = 3.0
    ) -> None:
        self.upstream, self.plan, self.slow_s, self.hold_s = upstream, plan, slow_s, hold_s
        self.seen: Counter[str] = Counter()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="faultproxy", daemon=True)
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        """Base URL, no trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                method, path = request[0].split(b" ", 2)[:2]
                fault = self.plan(method.decode(), path.decode())
                self.seen[fault] += 1
                if not await self._apply(fault, _with_close(request), writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _apply(self, fault: str, request: bytes, writer: asyncio.StreamWriter) -> bool:
        """Act out one fault; False when the client connection is finished."""
        if fault == "503":
            writer.write(SERVICE_UNAVAILABLE)
            await writer.drain()
            return False
        if fault == "reset":
            _reset(writer)
            return False
        answer = await self._forward(request)
        if fault == "lost":
            await asyncio.sleep(self.hold_s)  # the client's read timeout fires meanwhile
            return False
        if fault == "reset_after":
            _reset(writer)
            return False
        if fault == "slow":
            await asyncio.sleep(self.slow_s)
        writer.write(answer)
        await writer.drain()
        return False  # the answer said Connection: close

    async def _forward(self, request: bytes) -> bytes:
        reader, writer = await asyncio.open_connection(*self.upstream)
        try:
            writer.write(request)
            await writer.drain()
            return await reader.read()  # to EOF: we asked for Connection: close
        finally:
            writer.close()

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


async def _read_request(reader: asyncio.StreamReader) -> list[bytes] | None:
    """[request line, header lines..., body] or None at EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head[:-4].split(b"\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return [*lines, body]


def _with_close(request: list[bytes]) -> bytes:
    """The request bytes with any Connection header replaced by `Connection: close`."""
    *head, body = request
    kept = [h for h in head if not h.lower().startswith(b"connection:")]
    return b"\r\n".join([*kept, b"Connection: close"]) + b"\r\n\r\n" + body


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST rather than FIN: SO_LINGER on, timeout 0."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
