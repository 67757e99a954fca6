"""The explicit list of connectors, keyed by channel slug, and lookups of what each provides."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import Any

from config.settings import Settings
from connectors.contract import Poller, ReplySender

#: channel slug -> the package that implements it. Order is the order ops see them in.
CONNECTORS: dict[str, str] = {
    "twilio": "connectors.twilio",
    "facebook": "connectors.facebook",
    "telegram": "connectors.telegram",
    "twitter": "connectors.twitter",
    "email": "connectors.email",
    "lapor1708": "connectors.lapor1708",
    "media_massa": "connectors.media_massa",
    "walkin": "connectors.walkin",
    "import": "connectors.file_import",
}


@cache
def module(channel: str) -> ModuleType | None:
    """The connector package of a channel, or None when it is unknown or not installed yet."""
    path = CONNECTORS.get(channel)
    if path is None:
        return None
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError as exc:
        if exc.name and path.startswith(exc.name):
            return None
        raise


def _factory(channel: str, name: str) -> Callable[[Settings], Any] | None:
    mod = module(channel)
    return getattr(mod, name, None) if mod else None


def build(channel: str, name: str, settings: Settings) -> Any:
    """Call a connector's factory (build_router, build_reply_sender ...); None if it has none."""
    factory = _factory(channel, name)
    return factory(settings) if factory else None


def reply_sender(channel: str, settings: Settings) -> ReplySender | None:
    """The sender for replies on a channel, or None when the channel cannot reply."""
    return build(channel, "build_reply_sender", settings)


def poller(channel: str, settings: Settings) -> Poller | None:
    """The poller of a pulled channel, or None when unconfigured."""
    return build(channel, "build_poller", settings)


def routers(settings: Settings) -> list[Any]:
    """The webhook routers of every enabled webhook channel."""
    found = (build(channel, "build_router", settings) for channel in CONNECTORS)
    return [router for router in found if router is not None]


def pollable(settings: Settings) -> list[str]:
    """Channels that are pulled and configured."""
    return [c for c in CONNECTORS if _factory(c, "build_poller") and poller(c, settings)]
