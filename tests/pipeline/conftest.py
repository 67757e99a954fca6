"""Pipeline test doubles and row builders: a recording reply sender, reports in any state."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlmodel import Session

from connectors import registry
from connectors.contract import InboundMessage, Location, OutboundReply, Sender, SendResult
from normalizers.report import AreaMatch, ReportDraft
from pipeline import blocking, keys_version
from pipeline.models import InboxMessage, Report, utcnow
from tests.conftest import PipelineEnv, close_env, make_env

#: A real complaint as a WhatsApp citizen would write it (no personal data).
COMPLAINT = (
    "Jalan berlubang besar di Jl. Kebon Sirih RT 02 RW 03 Kelurahan Kebon Sirih, "
    "sudah dua minggu belum diperbaiki dan membahayakan pengendara motor"
)
#: Kebon Sirih, Menteng, Jakarta Pusat (Kemendagri 31.71.06.1005, normalizers/data).
KEBON_SIRIH = AreaMatch(
    kota_code="31.71",
    kota_name="Jakarta Pusat",
    kecamatan_code="31.71.06",
    kecamatan_name="Menteng",
    kelurahan_code="31.71.06.1005",
    kelurahan_name="Kebon Sirih",
    street="Jl. Kebon Sirih",
    rt_rw="RT 02 RW 03",
    confidence=0.95,
    has_address=True,
)


class RecordingSender:
    """A ReplySender that records what it sent and plays scripted failures first."""

    channel: ClassVar[str] = "test"

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.failures = list(failures or [])
        self.sent: list[OutboundReply] = []
        self.calls = 0

    def send(self, reply: OutboundReply) -> SendResult:
        """Raise the next scripted failure, else record the reply as sent."""
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(reply)
        return SendResult(provider_message_id=f"test-{len(self.sent)}")


class AskableSender(RecordingSender):
    """A RecordingSender whose provider can say whether a reply already went out."""

    def was_sent(self, reply: OutboundReply) -> bool:
        """True if a reply with this idempotency key was recorded."""
        return any(r.idempotency_key == reply.idempotency_key for r in self.sent)


def use_sender(monkeypatch: pytest.MonkeyPatch, sender: RecordingSender, channel: str) -> None:
    """Route replies on `channel` to `sender`; other channels keep their real senders."""
    real = registry.reply_sender

    def lookup(name: str, settings: Any) -> Any:
        return sender if name == channel else real(name, settings)

    monkeypatch.setattr(registry, "reply_sender", lookup)


def message(text: str = COMPLAINT, channel: str = "twilio", **fields: Any) -> InboundMessage:
    """An inbound message with a fresh provider id."""
    fields.setdefault("external_id", f"SM{uuid.uuid4().hex}")
    fields.setdefault("sender", Sender(handle="whatsapp:+62000000001"))
    return InboundMessage(channel=channel, text=text, **fields)


def draft(area: AreaMatch | None = None, **fields: Any) -> ReportDraft:
    """A complete draft in Kebon Sirih with a photo, unless fields say otherwise."""
    values: dict[str, Any] = {
        "channel": "twilio",
        "external_id": "SM1",
        "description": COMPLAINT,
        "original_text": COMPLAINT,
        "category": "jalan_rusak",
        "opd": "Dinas Bina Marga",
        "photo_count": 1,
        "lat": -6.1862,
        "lon": 106.8296,
        "location_source": "shared",
    }
    values.update(fields)
    return ReportDraft(
        area=area if area is not None else dataclasses.replace(KEBON_SIRIH), **values
    )


def add_inbox(session: Session, msg: InboundMessage, state: str = "processed") -> InboxMessage:
    """Store a message row directly (as the sink would), without enqueueing it."""
    row = InboxMessage(
        channel=msg.channel,
        external_id=msg.external_id,
        received_at=msg.received_at,
        state=state,
        sender_handle=msg.sender.handle,
        conversation_id=msg.conversation_id,
        correlation_id=uuid.uuid4().hex,
        payload=msg.model_dump(mode="json"),
    )
    session.add(row)
    session.flush()
    return row


def add_report(
    session: Session,
    state: str,
    *,
    channel: str = "twilio",
    updated_at: datetime | None = None,
    **values: Any,
) -> Report:
    """A report in `state` with its first message, as triage would have stored it."""
    inbox = add_inbox(
        session, message(channel=channel, location=Location(lat=-6.1862, lon=106.8296))
    )
    d = draft(channel=channel, external_id=inbox.external_id)
    stamp = updated_at or utcnow()
    columns: dict[str, Any] = {
        "reference": "IN-" + uuid.uuid4().hex[:10].upper(),
        "inbox_message_id": inbox.id or 0,
        "channel": channel,
        "conversation_id": inbox.sender_handle,
        "state": state,
        "description": d.description,
        "original_text": d.original_text,
        "kota_code": d.area.kota_code,
        "kecamatan_code": d.area.kecamatan_code,
        "kelurahan_code": d.area.kelurahan_code,
        "kelurahan_name": d.area.kelurahan_name,
        "street": d.area.street,
        "rt_rw": d.area.rt_rw,
        "location_confidence": d.area.confidence,
        "lat": d.lat,
        "lon": d.lon,
        "category": d.category,
        "opd": d.opd,
        "photo_count": d.photo_count,
        "normalized": dataclasses.asdict(d),
        "updated_at": stamp,
        "state_changed_at": stamp,
    }
    report = Report(**(columns | values))
    for key, value in blocking.report_keys(report).items():  # as stages stores them
        if key not in values:
            setattr(report, key, value)
    report.keys_version = values.get("keys_version", keys_version.current())
    session.add(report)
    session.flush()
    return report


def replies_file(env: PipelineEnv) -> Path:
    """Where the "import" channel's replies land (connectors/file_import)."""
    return env.var_dir / "replies" / "import.jsonl"


@pytest.fixture
def pg_pipeline_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pg_database_url: str
) -> Iterator[PipelineEnv]:
    """A fresh PostgreSQL database with the in-process broker and worker."""
    env = make_env(monkeypatch, tmp_path, database_url=pg_database_url)
    yield env
    close_env(env)
