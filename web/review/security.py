"""Security headers for every /admin response (pure ASGI middleware, no buffering)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# CSP Level 3 (https://www.w3.org/TR/CSP3/): scripts only from our own static files, so a stored
# <script> in citizen text would not run even if escaping failed. htmx's inline indicator style
# is switched off in base.html (htmx-config includeIndicatorStyles=false), hence no
# 'unsafe-inline' for styles either.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# RFC 6797: only sent when the site is served over HTTPS (a browser ignores it over http).
HSTS = "max-age=31536000; includeSubDomains"


def header_list(https: bool) -> list[tuple[bytes, bytes]]:
    """The raw headers to add."""
    pairs = dict(HEADERS)
    if https:
        pairs["Strict-Transport-Security"] = HSTS
    return [(k.lower().encode(), v.encode()) for k, v in pairs.items()]


class SecurityHeaders:
    """Adds the headers to responses under `prefix`; pages there are never cached."""

    def __init__(self, app: ASGIApp, *, prefix: str = "/admin", https: bool = False) -> None:
        self.app = app
        self.prefix = prefix
        self.headers = header_list(https)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == self.prefix or path.startswith(self.prefix + "/")):
            await self.app(scope, receive, send)
            return
        static = path.startswith(self.prefix + "/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                if not static and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)
