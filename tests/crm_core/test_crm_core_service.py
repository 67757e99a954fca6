"""CRMCore: idempotent creation, lifecycle rules, history, status changes, SLA clocks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from crm_client.base import InvalidTrackingNumber
from crm_core import tracking_numbers
from crm_core.metrics import SlaCollector
from crm_core.service import CRMCore, RequestNotFound
from crm_core.statuses import TransitionNotAllowed

PHOTO = "https://media.example.org/tambal-kramat.jpg"


def walk_to_validasi(core, number):
    core.transition(number, "Koordinasi", officer="admin.kel.kramat")
    core.transition(number, "Disposisi", officer="admin.kel.kramat", note="Ke Sudin Bina Marga JP")
    core.transition(number, "Proses", officer="sudin.bm.jp")
    core.transition(
        number, "Tindak Lanjut", officer="sudin.bm.jp", note="Sudah ditambal", photo_urls=[PHOTO]
    )
    return core.transition(number, "Validasi", officer="biro.pemerintahan")


def test_create_gives_readable_number_in_menunggu(core, new_report):
    created = core.create_request(new_report())
    assert created.created is True
    assert created.status == "Menunggu"
    assert tracking_numbers.parse(created.tracking_number) == created.tracking_number
    assert [e.status for e in created.history] == ["Menunggu"]


def test_same_idempotency_key_returns_the_same_ticket(core, new_report):
    first = core.create_request(new_report())
    again = core.create_request(new_report())
    assert again.tracking_number == first.tracking_number
    assert again.created is False
    assert len(core.search(reference="rpt-000123")) == 1


def test_concurrent_duplicate_pushes_make_one_ticket(core, new_report):
    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = set(
            pool.map(lambda _: core.create_request(new_report()).tracking_number, range(16))
        )
    assert len(numbers) == 1
    assert len(core.search(reference="rpt-000123")) == 1


def test_full_lifecycle_with_rejected_validation(core, new_report):
    number = core.create_request(new_report()).tracking_number
    walk_to_validasi(core, number)
    core.transition(
        number,
        "tindak lanjut",
        officer="biro.pemerintahan",
        note="Foto tidak menunjukkan lokasi yang dilaporkan",
    )
    core.transition(number, "Validasi", officer="sudin.bm.jp")
    done = core.transition(number, "Selesai", officer="biro.pemerintahan")
    assert done.status == "Selesai"
    assert [e.status for e in done.history] == [
        "Menunggu",
        "Koordinasi",
        "Disposisi",
        "Proses",
        "Tindak Lanjut",
        "Validasi",
        "Tindak Lanjut",
        "Validasi",
        "Selesai",
    ]
    assert done.history[4].photo_urls == [PHOTO]
    assert done.resolved_at is not None


def test_skipping_steps_is_refused_with_the_allowed_ones(core, new_report):
    number = core.create_request(new_report()).tracking_number
    with pytest.raises(TransitionNotAllowed, match="yang boleh: Koordinasi"):
        core.transition(number, "Selesai", officer="admin.kel.kramat")
    assert core.get(number).status == "Menunggu"


def test_selesai_is_final(core, new_report):
    number = core.create_request(new_report()).tracking_number
    walk_to_validasi(core, number)
    core.transition(number, "Selesai", officer="biro.pemerintahan")
    with pytest.raises(TransitionNotAllowed, match="sudah final"):
        core.transition(number, "Tindak Lanjut", officer="x", note="buka lagi", photo_urls=[PHOTO])


def test_rejecting_validation_needs_a_reason_and_follow_up_needs_photos(core, new_report):
    number = core.create_request(new_report()).tracking_number
    walk_to_validasi(core, number)
    with pytest.raises(TransitionNotAllowed, match="catatan"):
        core.transition(number, "Tindak Lanjut", officer="biro.pemerintahan", photo_urls=[PHOTO])
    assert core.get(number).status == "Validasi"
    core.transition(number, "Tindak Lanjut", officer="biro.pemerintahan", note="Belum rapi")
    assert core.get(number).status == "Tindak Lanjut"


def test_follow_up_without_photo_is_refused(core, new_report):
    number = core.create_request(new_report()).tracking_number
    for status in ("Koordinasi", "Proses"):
        core.transition(number, status, officer="admin.kel.kramat")
    with pytest.raises(TransitionNotAllowed, match="foto"):
        core.transition(number, "Tindak Lanjut", officer="sudin.bm.jp", note="Sudah ditambal")


def test_unknown_and_mistyped_numbers(core, new_report):
    number = core.create_request(new_report()).tracking_number
    body = number.replace("-", "")
    other = next(s for s in tracking_numbers.ALPHABET if s != body[0])
    with pytest.raises(InvalidTrackingNumber, match="salah ketik"):
        core.get(other + body[1:])
    unknown = tracking_numbers.display(tracking_numbers.generate())
    assert core.get(unknown) is None
    with pytest.raises(RequestNotFound):
        core.transition(unknown, "Koordinasi", officer="admin.kel.kramat")
    assert core.get(number.lower().replace("-", " ")).tracking_number == number


def test_status_changes_list_officer_moves_once_in_order(core, new_report):
    a = core.create_request(new_report("intake:a")).tracking_number
    b = core.create_request(new_report("intake:b")).tracking_number
    core.transition(a, "Koordinasi", officer="admin")
    core.transition(b, "Koordinasi", officer="admin")
    core.transition(a, "Proses", officer="admin")
    changes = core.status_changes(0)
    assert [(c.tracking_number, c.status) for c in changes] == [
        (a, "Koordinasi"),
        (b, "Koordinasi"),
        (a, "Proses"),
    ]
    assert core.status_changes(changes[-1].seq) == []
    assert [c.status for c in core.status_changes(changes[0].seq)] == ["Koordinasi", "Proses"]


def test_sla_clocks_flag_and_count_late_reports(core, clock, new_report):
    late = core.create_request(new_report("intake:late")).tracking_number
    clock.advance(hours=5)
    on_time = core.create_request(new_report("intake:ontime")).tracking_number
    clock.advance(hours=2)  # late: 7 h in Menunggu; on_time: 2 h
    report = core.sla_breaches()
    assert [(b.tracking_number, b.clock) for b in report.breaches] == [(late, "koordinasi")]
    assert report.open_late_coordination == 1
    core.transition(late, "Koordinasi", officer="admin")
    core.transition(on_time, "Koordinasi", officer="admin")
    report = core.sla_breaches()
    assert report.open_late_coordination == 0
    assert report.closed_late_coordination == 1
    clock.advance(days=7)
    report = core.sla_breaches()
    assert {b.tracking_number for b in report.breaches if b.clock == "penyelesaian"} == {
        late,
        on_time,
    }
    assert report.open_late_resolution == 2


def test_sla_counts_reach_prometheus(core, clock, new_report):
    core.create_request(new_report("intake:late"))
    clock.advance(hours=8)
    registry = CollectorRegistry()
    registry.register(SlaCollector(core))
    text = generate_latest(registry).decode()
    assert 'crm_sla_open_breaches{clock="koordinasi"} 1.0' in text
    assert 'crm_sla_open_breaches{clock="penyelesaian"} 0.0' in text


def test_text_longer_than_its_column_is_refused_by_name(core, new_report):
    with pytest.raises(ValueError, match="kelurahan_name is longer than 120"):
        core.create_request(replace(new_report(), kelurahan_name="Kramat " * 30))
    number = core.create_request(new_report()).tracking_number
    with pytest.raises(ValueError, match="officer is longer than 120"):
        core.transition(number, "Koordinasi", officer="x" * 121)


def test_a_fresh_checkout_without_var_dir_still_starts(tmp_path, new_report):
    fresh = CRMCore(f"sqlite:///{tmp_path / 'var' / 'crm_core.db'}")
    assert fresh.create_request(new_report()).status == "Menunggu"
