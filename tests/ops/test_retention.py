"""Retention (UU 27/2022): contact data of long-closed reports is blanked; open ones are kept."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from pipeline.db import session_scope
from pipeline.models import AuditAction, CitizenContact, InboxMessage, OutboxReply, Report, utcnow
from pipeline.retention import purge, scrub_payload
from pipeline.retention_files import named_files
from tests.conftest import PipelineEnv
from tests.ops.procs import run_intake
from tests.pipeline.conftest import add_report

PHONE = "+6281234567890"
TEXT = "Got mampet di Jl. Cikini Raya, hubungi saya 0812-3456-7890 atau warga@example.id"


def _citizen(session, handle: str) -> CitizenContact:  # type: ignore[no-untyped-def]
    contact = CitizenContact(
        channel="twilio",
        handle=handle,
        name="Siti Aminah",
        phone_e164=PHONE,
        email="warga@example.id",
    )
    session.add(contact)
    session.flush()
    return contact


def _reports(env: PipelineEnv) -> dict[str, int]:
    old = utcnow() - timedelta(days=400)
    with session_scope() as session:
        shared = _citizen(session, "whatsapp:+6281234567890")
        alone = _citizen(session, "whatsapp:+6281300000000")
        done = add_report(session, "pushed", crm_status="Selesai", contact_id=alone.id,
                          description=TEXT, original_text=TEXT, updated_at=old)  # fmt: skip
        shared_done = add_report(session, "rejected", contact_id=shared.id, updated_at=old)
        still_open = add_report(session, "pushed", crm_status="Proses", contact_id=shared.id,
                                updated_at=old)  # fmt: skip
        recent = add_report(session, "pushed", crm_status="Selesai", contact_id=alone.id)
        session.add(
            OutboxReply(
                dedupe_key=f"confirmation:{done.id}",
                report_id=done.id,
                kind="confirmation",
                channel="twilio",
                recipient=PHONE,
                text="Terima kasih",
                state="sent",
            )  # fmt: skip
        )
        return {"done": done.id, "shared_done": shared_done.id, "open": still_open.id,
                "recent": recent.id, "shared": shared.id, "alone": alone.id}  # fmt: skip


def test_dry_run_counts_and_purge_blanks_only_what_is_due(pipeline_env: PipelineEnv) -> None:
    ids = _reports(pipeline_env)
    counted = purge(session_scope, 365, dry_run=True)
    assert (counted.reports, counted.replies) == (2, 1)
    # `alone` also belongs to a report closed last week, `shared` to one still open: kept
    assert counted.contacts == 0
    with session_scope() as session:
        assert session.get(CitizenContact, ids["alone"]).phone_e164 == PHONE  # type: ignore[union-attr]

    done = purge(session_scope, 365, dry_run=False, actor="ops:test")
    assert (done.reports, done.messages, done.replies) == (2, 2, 1)
    with session_scope() as session:
        report = session.get(Report, ids["done"])
        inbox = session.get(InboxMessage, report.inbox_message_id)  # type: ignore[union-attr]
        open_inbox = session.get(
            InboxMessage,
            session.get(Report, ids["open"]).inbox_message_id,  # type: ignore[union-attr]
        )
        reply = session.exec(select(OutboxReply)).one()
        audit = session.exec(
            select(AuditAction).where(AuditAction.action == "retention_purge")
        ).one()
    assert report is not None and inbox is not None and open_inbox is not None
    assert "0812" not in report.description and "warga@example.id" not in report.description
    assert "Got mampet di Jl. Cikini Raya" in report.description  # the complaint stays
    assert inbox.sender_handle == "" and inbox.payload["purged"] is True
    assert "sender" not in inbox.payload
    assert open_inbox.sender_handle != ""  # still open: the citizen still hears back
    assert reply.recipient == ""
    assert audit.actor == "ops:test" and audit.after["reports"] == 2
    assert purge(session_scope, 365, dry_run=False).reports == 0  # nothing left to do


def test_scrub_payload_keeps_only_the_redacted_text() -> None:
    payload = {"channel": "twilio", "external_id": "SM1", "text": TEXT,
               "sender": {"handle": f"whatsapp:{PHONE}", "name": "Siti"}, "raw": {"From": PHONE}}  # fmt: skip
    scrubbed = scrub_payload(payload)
    assert scrubbed["purged"] is True and scrubbed["external_id"] == "SM1"
    assert (
        PHONE not in str(scrubbed) and "Siti" not in str(scrubbed) and "0812" not in str(scrubbed)
    )


def test_retention_command_dry_run(tmp_path: Path) -> None:
    done = run_intake(tmp_path, "retention", "purge", "--dry-run", "--days", "30", check=True)
    assert "would blank contact data of 0 report(s) closed more than 30 days ago" in done.stdout


def _walkin_payload(var_dir: Path) -> dict:
    scan = var_dir / "walkin" / "scan" / ("a" * 64 + ".pdf")
    photo = var_dir / "walkin" / "photo" / ("b" * 64 + ".jpg")
    return {
        "channel": "walkin",
        "external_id": "desk-1",
        "text": TEXT,
        "sender": {"handle": "", "name": "Siti Aminah"},
        "media": [{"path": str(photo), "content_type": "image/jpeg", "caption": "foto"}],
        "reply_context": {"office": "kelurahan:31.71.01.1002"},
        "raw": {"documents": [{"path": str(scan), "content_type": "application/pdf"}]},
    }


def test_desk_message_keeps_its_office_and_names_its_files(tmp_path: Path) -> None:
    payload = _walkin_payload(tmp_path)
    assert named_files(payload) == {("photo", "b" * 64 + ".jpg"), ("scan", "a" * 64 + ".pdf")}
    scrubbed = scrub_payload(payload)
    assert scrubbed["reply_context"] == {"office": "kelurahan:31.71.01.1002"}  # desk scope
    assert named_files(scrubbed) == set() and "Siti" not in str(scrubbed)
    assert named_files({"media": [{"url": "https://x/y.jpg"}], "raw": "not a dict"}) == set()


def _handleless_walkin_due(env: PipelineEnv) -> None:
    """A closed walk-in report whose message has a name but no handle is due once, not twice."""
    with session_scope() as session:
        report = add_report(session, "rejected", channel="walkin",
                            updated_at=utcnow() - timedelta(days=400))  # fmt: skip
        inbox = session.get(InboxMessage, report.inbox_message_id)
        inbox.sender_handle, inbox.payload = "", _walkin_payload(env.var_dir)  # type: ignore[union-attr]
    assert purge(session_scope, 365, dry_run=False).reports == 1
    with session_scope() as session:
        payload = session.get(InboxMessage, report.inbox_message_id).payload  # type: ignore[union-attr]
    assert payload["purged"] is True and "Siti" not in str(payload)
    assert purge(session_scope, 365, dry_run=False).reports == 0


def test_handleless_walkin_report_is_purged_once(pipeline_env: PipelineEnv) -> None:
    _handleless_walkin_due(pipeline_env)


def test_handleless_walkin_report_is_purged_once_on_postgresql(
    pg_redis_env: PipelineEnv,
) -> None:
    _handleless_walkin_due(pg_redis_env)
