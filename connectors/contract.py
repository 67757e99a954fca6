"""The contract every connector speaks: inbound messages, outbound replies, four errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Sender(BaseModel):
    """Who sent a message, as the channel knows them (handle is the reply address)."""

    model_config = ConfigDict(frozen=True)

    handle: str = ""
    name: str = ""


class Location(BaseModel):
    """A point the citizen shared (WhatsApp location, tweet place, photo EXIF ...)."""

    model_config = ConfigDict(frozen=True)

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    label: str = ""
    source: str = "shared"  # shared | place | exif | geocoded


class MediaRef(BaseModel):
    """A photo or document attached to a message: a provider URL or a local path."""

    model_config = ConfigDict(frozen=True)

    url: str = ""
    path: str = ""
    content_type: str = ""
    size: int | None = None
    caption: str = ""


class InboundMessage(BaseModel):
    """One raw complaint as a connector received it; unique on (channel, external_id)."""

    channel: str = Field(min_length=1, max_length=32)
    external_id: str = Field(min_length=1, max_length=255)
    received_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    sender: Sender = Field(default_factory=Sender)
    text: str = ""
    location: Location | None = None
    media: list[MediaRef] = Field(default_factory=list)
    # Whatever the channel needs to answer in the same thread/conversation.
    reply_context: dict[str, Any] = Field(default_factory=dict)
    conversation_id: str = ""
    confidential: bool = False
    anonymous: bool = False
    raw: Any = None

    @field_validator("received_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        """Naive timestamps are taken as UTC so ordering across channels is sound."""
        return value if value.tzinfo else value.replace(tzinfo=UTC)


class OutboundReply(BaseModel):
    """A message to a citizen on the channel they used."""

    channel: str
    recipient: str
    text: str
    kind: str
    reply_context: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str = ""


class SendResult(BaseModel):
    """What a provider said when a reply was sent."""

    provider_message_id: str = ""


class ConnectorError(Exception):
    """Base of the four connector errors."""


class AuthFailed(ConnectorError):
    """Credentials were refused: a human must fix them; do not retry."""


class TemporarilyUnavailable(ConnectorError):
    """Provider down or rate-limited: retry with backoff, honouring retry_after seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadConfig(ConnectorError):
    """A setting is missing or wrong: refuse to start and name the setting."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting


class UnsupportedEvent(ConnectorError):
    """An event this connector does not handle (sticker, reaction, edit): ignore and count."""


@runtime_checkable
class ReplySender(Protocol):
    """Sends replies on one channel."""

    channel: ClassVar[str]

    def send(self, reply: OutboundReply) -> SendResult:
        """Send one reply; raise one of the connector errors on failure."""
        ...


@runtime_checkable
class Poller(Protocol):
    """A pulled channel: fetch a batch after a cursor; the cursor is saved with the rows."""

    channel: ClassVar[str]

    def fetch(self, cursor: dict[str, Any] | None) -> tuple[list[InboundMessage], dict[str, Any]]:
        """Return new messages and the cursor that covers them."""
        ...
