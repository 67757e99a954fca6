"""EmbeddedCRMClient: the protocol the pipeline uses, over an in-process CRMCore."""

from __future__ import annotations

import sqlite3

import pytest

from crm_client.base import CRMClient, CRMRejected, CRMUnavailable, InvalidTrackingNumber
from crm_client.embedded import EmbeddedCRMClient
from crm_core import tracking_numbers
from crm_core.db import make_engine
from crm_core.service import CRMCore

PHOTO = "https://media.example.org/genangan-surut.jpg"


def test_is_a_crm_client(core):
    assert isinstance(EmbeddedCRMClient(core), CRMClient)


def test_push_is_idempotent_and_lookup_finds_the_ticket(core, report):
    client = EmbeddedCRMClient(core)
    assert client.lookup("intake:rpt-20261123-0042") is None
    ticket = client.push(report())
    assert ticket.status == "Menunggu"
    assert client.push(report()) == ticket
    assert client.lookup("intake:rpt-20261123-0042") == ticket


def test_push_without_description_is_rejected(core, report):
    with pytest.raises(CRMRejected, match="description"):
        EmbeddedCRMClient(core).push(report(description="   "))


def test_status_changes_feed_the_notifier(core, report):
    client = EmbeddedCRMClient(core)
    number = client.push(report()).tracking_number
    core.transition(
        number, "Koordinasi", officer="admin.kel.bangka", note="Diteruskan ke Sudin SDA"
    )
    changes = client.status_changes(0)
    assert [(c.tracking_number, c.status, c.note) for c in changes] == [
        (number, "Koordinasi", "Diteruskan ke Sudin SDA")
    ]
    assert client.status_changes(changes[0].seq) == []


def test_track_shows_timeline_and_photos_without_personal_data(core, report):
    client = EmbeddedCRMClient(core)
    number = client.push(report()).tracking_number
    for status in ("Koordinasi", "Proses"):
        core.transition(number, status, officer="admin.kel.bangka")
    core.transition(
        number,
        "Tindak Lanjut",
        officer="sudin.sda.js",
        note="Saluran dibersihkan",
        photo_urls=[PHOTO],
    )
    info = client.track(number.lower())
    assert info is not None
    assert info.status == "Tindak Lanjut" and info.state == "open"
    assert info.kelurahan_name == "Bangka"
    assert [e.status for e in info.history] == ["Menunggu", "Koordinasi", "Proses", "Tindak Lanjut"]
    assert info.history[-1].photo_urls == [PHOTO]
    public = info.model_dump_json()
    for private in (
        "Siti",
        "6281311112222",
        "warga@example.org",
        "admin.kel.bangka",
        "Kemang Raya",
    ):
        assert private not in public


def test_track_unknown_and_mistyped(core, report):
    client = EmbeddedCRMClient(core)
    number = client.push(report()).tracking_number
    unknown = tracking_numbers.display(tracking_numbers.generate())
    assert client.track(unknown) is None
    broken = number[:-1] + ("2" if number[-1] != "2" else "3")
    with pytest.raises(InvalidTrackingNumber) as err:
        client.track(broken)
    assert "salah ketik" in err.value.hint


def test_a_locked_database_is_an_outage_not_a_rejection(tmp_path, report):
    path = tmp_path / "crm_core.db"
    core = CRMCore(make_engine(f"sqlite:///{path}", busy_timeout_s=0.05))
    blocker = sqlite3.connect(path)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(CRMUnavailable, match="OperationalError"):
            EmbeddedCRMClient(core).push(report())
    finally:
        blocker.rollback()
        blocker.close()
    assert EmbeddedCRMClient(core).push(report()).status == "Menunggu"
