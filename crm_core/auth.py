"""API key check shared by the core's HTTP routes (constant-time compare)."""

from __future__ import annotations

import hmac

from fastapi import Request


def presented_key(request: Request, form_key: str | None = None) -> str:
    """The key a caller sent: X-API-Key header, Bearer token, api_key form field or query."""
    header = request.headers.get("x-api-key", "")
    auth = request.headers.get("authorization", "")
    bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    return header or bearer or form_key or request.query_params.get("api_key", "")


def key_ok(expected: str | None, presented: str) -> bool:
    """True when no key is configured, or the presented one matches."""
    if not expected:
        return True
    return hmac.compare_digest(expected.encode(), presented.encode())
