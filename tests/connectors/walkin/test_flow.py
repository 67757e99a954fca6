"""Desk entries through the real pipeline: stored once, pushed, and told by SMS only with consent."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import select

from connectors.walkin.parse import check_form
from connectors.walkin.submit import submit
from connectors.walkin.uploads import Upload
from pipeline.models import Attachment, CitizenContact, InboxMessage, OutboxReply, Report
from tests.conftest import PipelineEnv, close_env, make_env
from tests.fakes.twilio_api import FakeTwilio

SID, TOKEN = "AC" + "d" * 32, "walkin-test-token"
DESK = {"office": "kelurahan:31.74.03.1002", "staff_id": "7"}


@pytest.fixture
def desk_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[PipelineEnv, FakeTwilio]]:
    """The embedded pipeline with Twilio SMS pointed at a local fake of its REST API."""
    with FakeTwilio(SID, TOKEN) as fake:
        env = make_env(
            monkeypatch,
            tmp_path,
            INTAKE_TWILIO__ACCOUNT_SID=SID,
            INTAKE_TWILIO__AUTH_TOKEN=TOKEN,
            INTAKE_TWILIO__API_BASE_URL=fake.base_url,
            INTAKE_TWILIO__SMS_FROM="+628111272206",
        )
        yield env, fake
        close_env(env)


def _rows(env: PipelineEnv, model: type) -> list:
    with env.session() as session:
        return list(session.exec(select(model)).all())


def test_consenting_citizen_gets_one_report_and_the_number_by_sms(
    desk_env: tuple[PipelineEnv, FakeTwilio], form: dict[str, str], photo_with_gps: bytes
) -> None:
    env, twilio = desk_env
    fields = form | {"citizen_name": "Siti Rahmawati", "phone": "0812 3456 7890", "consent": "on"}
    entry = check_form(fields, **DESK, photos=[Upload("IMG_0412.JPG", photo_with_gps)])
    first = submit(entry, env.var_dir)
    again = submit(
        check_form(fields, **DESK, photos=[Upload("x.jpg", photo_with_gps)]), env.var_dir
    )
    env.drain()

    assert first.created and not again.created and again.inbox_id == first.inbox_id
    assert len(_rows(env, InboxMessage)) == 1
    [report] = _rows(env, Report)
    assert report.state == "pushed" and report.tracking_number
    assert report.kelurahan_code == "31.74.03.1002" and report.channel == "walkin"
    [photo] = _rows(env, Attachment)
    assert photo.sha256 and not photo.rejected_reason and report.photo_count == 1
    [contact] = _rows(env, CitizenContact)
    assert (contact.handle, contact.name) == ("+6281234567890", "Siti Rahmawati")
    [sms] = twilio.sent
    assert sms["To"] == "+6281234567890" and sms["From"] == "+628111272206"
    assert report.tracking_number in sms["Body"]


def test_citizen_without_contact_gets_no_message(
    desk_env: tuple[PipelineEnv, FakeTwilio], form: dict[str, str]
) -> None:
    env, twilio = desk_env
    submit(check_form(form | {"anonymous": "on"}, **DESK), env.var_dir)
    env.drain()

    [report] = _rows(env, Report)
    assert report.state == "pushed" and report.anonymous and report.contact_id is None
    assert twilio.sent == []
    # No contact: the printed receipt is the answer; no reply row waits as a dead letter.
    assert _rows(env, OutboxReply) == []


def test_letter_scan_is_kept_with_the_message_not_as_a_photo(
    desk_env: tuple[PipelineEnv, FakeTwilio], form: dict[str, str], letter_pdf: bytes
) -> None:
    env, _ = desk_env
    fields = form | {"letter_kind": "surat_gubernur"}
    ack = submit(check_form(fields, **DESK, scans=[Upload("surat.pdf", letter_pdf)]), env.var_dir)
    env.drain()

    with env.session() as session:
        inbox = session.get(InboxMessage, ack.inbox_id)
    assert inbox is not None
    [document] = inbox.payload["raw"]["documents"]
    assert Path(document["path"]).read_bytes() == letter_pdf
    assert Path(document["path"]).is_relative_to(env.var_dir / "walkin")
    assert _rows(env, Attachment) == []
    assert inbox.payload["reply_context"]["office"] == DESK["office"]


@pytest.mark.postgres
def test_simultaneous_double_submit_on_postgresql_is_one_report(
    pg_redis_env: PipelineEnv, form: dict[str, str], photo_with_gps: bytes
) -> None:
    entry = check_form(form, **DESK, photos=[Upload("IMG_0412.JPG", photo_with_gps)])
    with ThreadPoolExecutor(4) as pool:  # a double-click and two impatient retries at once
        acks = list(pool.map(lambda _: submit(entry, pg_redis_env.var_dir), range(4)))
    pg_redis_env.drain()

    assert sum(ack.created for ack in acks) == 1 and len({ack.inbox_id for ack in acks}) == 1
    [report] = _rows(pg_redis_env, Report)
    assert report.state == "pushed" and report.photo_count == 1
    assert len(_rows(pg_redis_env, Attachment)) == 1
