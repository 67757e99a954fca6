"""The CRM client this process pushes to: the embedded core or an Open311 server."""

from __future__ import annotations

import threading

from config.settings import Settings
from crm_client.base import CRMClient

_lock = threading.Lock()
_clients: dict[str, CRMClient] = {}


def core_database_url(settings: Settings) -> str:
    """The embedded core's own database (a separate SQLite file by default)."""
    return settings.crm.database_url or f"sqlite:///{settings.var_dir / 'crm_core.db'}"


def build_client(settings: Settings) -> CRMClient:
    """A new client for the configured backend."""
    if settings.crm.backend == "open311":
        from crm_client.open311 import Open311Client  # noqa: PLC0415

        return Open311Client.from_settings(settings.crm)
    from crm_client.embedded import EmbeddedCRMClient  # noqa: PLC0415
    from crm_core.service import CRMCore  # noqa: PLC0415

    return EmbeddedCRMClient(CRMCore(core_database_url(settings)))


def get_client(settings: Settings) -> CRMClient:
    """The process-wide client for these settings (one core / connection pool per process)."""
    key = f"{settings.crm.backend}:{settings.crm.base_url}:{core_database_url(settings)}"
    with _lock:
        if key not in _clients:
            _clients[key] = build_client(settings)
        return _clients[key]


def reset_clients() -> None:
    """Forget cached clients (tests switch databases between runs)."""
    with _lock:
        _clients.clear()
