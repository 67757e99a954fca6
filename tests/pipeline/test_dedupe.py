"""Duplicate candidates: blocked by kelurahan, geo cell, category, time and open state; scored by
problem words, street, distance and photo."""

from __future__ import annotations

import contextlib
import math
import random
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from config.settings import TriageSettings
from connectors.contract import Sender
from pipeline import dedupe, stages
from pipeline.blocking import cell_of, near_cells, place_key
from pipeline.dedupe import Candidate, candidates, distance_m, score, stored_candidates
from pipeline.models import Attachment, Report, utcnow
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import add_inbox, add_report, message

#: Kebon Sirih's centroid (normalizers/data/dki_kelurahan.csv) and a point 2 km south.
KEBON_SIRIH_PIN = (-6.18509, 106.83075)
PHOTO = "c3a1f0e87b3d5a92"
BANDS = TriageSettings()


def other_citizen(session: Session, state: str, **values: Any) -> Report:
    """A report by another citizen (its own conversation), as triage stored it."""
    values.setdefault("conversation_id", f"whatsapp:+62{uuid.uuid4().int % 10**9:09d}")
    return add_report(session, state, **values)


def test_distance_between_two_jakarta_landmarks() -> None:
    monas, bundaran_hi = (-6.1754, 106.8272), (-6.1950, 106.8230)
    assert distance_m(*monas, *bundaran_hi) == pytest.approx(2_225, rel=0.01)
    assert distance_m(*monas, *monas) == 0


@pytest.mark.parametrize(
    ("evidence", "combined"),
    [
        ({"text": 0.8, "dist": None}, 0.8),
        ({"text": 0.8, "dist": 40.0}, 1.0),  # pins 40 m apart
        ({"text": 0.8, "dist": 120.0}, 0.95),
        ({"text": 0.8, "dist": 500.0}, 0.6),
        ({"text": 0.8, "dist": 1_500.0}, 0.4),
        ({"text": 0.8, "dist": None, "street": 1.0}, 0.95),  # the same street named
        ({"text": 0.8, "dist": None, "street": 0.4}, 0.48),  # Jl. Melati vs Jl. Kenanga
        ({"text": 0.6, "dist": None, "photo_bits": 2}, 0.85),  # the same photo forwarded
        ({"text": 0.6, "dist": None, "photo_bits": 30}, 0.6),  # another photo says nothing
        ({"text": 0.8, "dist": None, "same_category": False}, 0.76),
        # The same street in another (or an unknown) kelurahan, no pins: review at most.
        ({"text": 1.0, "dist": None, "street": 1.0, "area": "other"}, 0.8),
        ({"text": 0.7, "dist": None, "street": 1.0, "area": "other"}, 0.68),
        ({"text": 1.0, "dist": 20, "area": "other"}, 1.0),  # pins decide
        # One side's kelurahan unread, the same kecamatan and street: capped, not scaled.
        ({"text": 1.0, "dist": None, "street": 1.0, "area": "kecamatan"}, 0.8),
        ({"text": 0.6, "dist": None, "street": 1.0, "area": "kecamatan"}, 0.75),
    ],
)
def test_score_weighs_the_evidence(evidence: dict[str, Any], combined: float) -> None:
    assert score(**evidence) == pytest.approx(combined)


def test_near_cells_hold_every_point_within_near_m() -> None:
    rng = random.Random(7)
    for _ in range(2_000):
        lat, lon = rng.uniform(-6.37, -6.08), rng.uniform(106.68, 106.98)
        cells = near_cells(lat, lon)
        assert cells[0] == cell_of(lat, lon) and 1 <= len(cells) <= 4
        bearing, metres = rng.uniform(0, 2 * math.pi), rng.uniform(0, 299)
        dlat = metres * math.cos(bearing) / 111_320
        dlon = metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
        assert cell_of(lat + dlat, lon + dlon) in cells


@pytest.mark.parametrize(
    ("street", "landmark", "rt_rw", "key"),
    [
        ("Jl. Pinang Cipete Utara", "", "", "pnn"),  # words after the name do not matter
        ("jln Pinang", "", "", "pnn"),
        ("Jl. Raya Pondok Gede", "", "", "gd"),  # generic words passed over ...
        ("Pondok Gde", "", "", "gd"),  # ... and a vowel typo meets its street
        ("Jl. Cipinang Cempedak IV", "", "", "cmpdk"),
        ("Jl Cipinang Cempedag 4", "", "", "cmpdk"),  # final g/k
        ("Jl. Soemarno", "", "", "smrn"),  # old spelling (oe)
        ("Jl H. Dogol", "", "", "dgl"),  # titles passed over, abbreviations folded
        ("Jalan Haji Dogol", "", "", "dgl"),
        ("Jl. Jend. Ahmad Yani", "", "", "yn"),
        ("", "depan Perumahan Taman Sunter Agung 2", "", "agn"),  # a landmark, positions skipped
        ("Gg. Haji", "", "RT 009/RW 006", "31.73.04.1002 rw 6"),  # nothing telling: the RW
        ("", "", "RT 01", ""),  # nothing to block on
    ],
)
def test_place_key_is_the_telling_start_of_the_place(
    street: str, landmark: str, rt_rw: str, key: str
) -> None:
    from pipeline.similarity import street_key  # noqa: PLC0415

    assert place_key(street_key(street), landmark, "31.73.04.1002", rt_rw) == key


def test_candidates_are_blocked_and_ranked(pipeline_env: PipelineEnv) -> None:
    with pipeline_env.session() as session:
        new = other_citizen(session, "new")
        same = other_citizen(session, "pushed", tracking_number="JK7M-29QX-4")
        reworded = other_citizen(
            session, "needs_review", description="Ada lubang di Jl. Kebon Sirih dekat sekolah"
        )
        far = other_citizen(session, "ready", lat=-6.1950, lon=106.8230)
        flood = other_citizen(session, "pushed", category="banjir")  # another category
        other_citizen(session, "rejected")  # closed: cannot absorb a duplicate
        other_citizen(session, "pushed", crm_status="Selesai")  # the CRM closed it
        next_door = other_citizen(  # the same street in the next kelurahan, no pin
            session, "pushed", kelurahan_code="31.71.06.1001", lat=None, lon=None
        )
        other_citizen(session, "pushed", created_at=utcnow() - timedelta(days=15))  # too old
        session.commit()
        found = candidates(session, new)
    by_id = {c.report_id: c for c in found}
    assert set(by_id) == {same.id, reworded.id, far.id, flood.id, next_door.id}
    best = found[0]
    assert (best.report_id, best.tracking_number, best.score) == (same.id, "JK7M-29QX-4", 1.0)
    assert (best.distance_m, best.same_place, best.same_citizen) == (0, True, False)
    assert by_id[far.id].score == pytest.approx(0.5)  # same words, 2 km away
    assert by_id[far.id].same_place is False
    assert not by_id[flood.id].same_category
    assert by_id[flood.id].score < best.score
    assert BANDS.review_above <= by_id[reworded.id].score < BANDS.duplicate_above  # an admin looks
    assert BANDS.review_above <= by_id[next_door.id].score < BANDS.duplicate_above


def test_an_open_report_whose_kelurahan_was_never_read_is_found_in_its_kecamatan(
    pipeline_env: PipelineEnv,
) -> None:
    with pipeline_env.session() as session:
        # In an admin's queue: the citizen named only the kecamatan, no street, no pin.
        unread = other_citizen(
            session, "needs_review", kelurahan_code="", street="", lat=None, lon=None
        )
        other_kecamatan = other_citizen(
            session,
            "needs_review",
            kelurahan_code="",
            kecamatan_code="31.71.01",
            street="",
            lat=None,
            lon=None,
        )
        session.commit()
        new = other_citizen(session, "new", lat=None, lon=None)
        found = {c.report_id: c for c in candidates(session, new)}
    assert unread.id in found and other_kecamatan.id not in found
    assert found[unread.id].score < BANDS.duplicate_above  # an admin looks, never a link


def test_pin_without_kelurahan_is_blocked_by_geo_cell(pipeline_env: PipelineEnv) -> None:
    with pipeline_env.session() as session:
        near = other_citizen(session, "pushed", lat=-6.1863, lon=106.8297)
        other_citizen(session, "pushed", lat=-6.1950, lon=106.8230)  # 1 km away
        lost = other_citizen(session, "new", kelurahan_code="", lat=-6.1862, lon=106.8296)
        nowhere = other_citizen(session, "new", kelurahan_code="", lat=None, lon=None)
        session.commit()
        found = candidates(session, lost)
        assert found[0].report_id == near.id
        assert found[0].distance_m == pytest.approx(15, abs=5)
        # The one 1 km away is only found by its street, and scores far below review.
        assert all(c.score < BANDS.review_above for c in found[1:])
        # Nothing but the street in the kota: never linked without an admin.
        assert all(c.score < BANDS.duplicate_above for c in candidates(session, nowhere))


def test_a_report_stored_before_its_keys_is_scored_by_its_text(pipeline_env: PipelineEnv) -> None:
    """Rows from before migration 0005 (problem NULL, never rekeyed) are not in the kelurahan
    index's columns: their text is fetched apart and keyed on the fly."""
    with pipeline_env.session() as session:
        old = other_citizen(session, "pushed", problem=None, street_key="", place_key="")
        keyed = other_citizen(session, "pushed")
        session.commit()
        new = other_citizen(session, "new")
        found = {c.report_id: c for c in candidates(session, new)}
    assert found[old.id].text_score == found[keyed.id].text_score == 1.0


def test_waiting_report_counts_only_for_newer_reports(pipeline_env: PipelineEnv) -> None:
    with pipeline_env.session() as session:
        older = other_citizen(session, "new")
        newer = other_citizen(session, "new")
        session.commit()
        assert [c.report_id for c in candidates(session, older)] == []
        assert [c.report_id for c in candidates(session, newer)] == [older.id]


def test_the_same_photo_raises_the_score_once_both_are_hashed(pipeline_env: PipelineEnv) -> None:
    reworded = "Lubang besar di Jl. Kebon Sirih, bahaya untuk motor"
    with pipeline_env.session() as session:
        original = other_citizen(session, "pushed", lat=None, lon=None)
        new = other_citizen(session, "new", description=reworded, lat=None, lon=None)
        for report, phash in ((original, PHOTO), (new, "")):  # the new photo not fetched yet
            session.add(
                Attachment(
                    inbox_message_id=report.inbox_message_id, report_id=report.id, phash=phash
                )
            )
        session.commit()
        [before] = candidates(session, new)
        assert before.photo_distance is None  # scored without the photo, not waiting for it
        session.exec(
            select(Attachment).where(Attachment.report_id == new.id)
        ).one().phash = "c3a1f0e87b3d5a93"  # the same picture, re-compressed: one bit differs
        session.commit()
        [after] = candidates(session, new)
    assert after.photo_distance == 1
    assert after.score == pytest.approx(min(1.0, before.score + 0.25))


def test_middle_band_is_stored_for_the_admin(pipeline_env: PipelineEnv) -> None:
    similar = (
        "Aspal di Jl. Kebon Sirih RT 02 RW 03 mengelupas dan bergelombang, pengendara motor "
        "hampir jatuh"
    )
    with pipeline_env.session() as session:
        original = other_citizen(session, "pushed", tracking_number="JK7M-29QX-4", lat=None)
        new = other_citizen(session, "new", description=similar, lat=None, lon=None)
        session.commit()
        ids = (original.id, new.id)
    stages.triage_report(ids[1])
    with pipeline_env.session() as session:
        report = session.get(Report, ids[1])
        assert report is not None
        assert (report.state, report.reasons) == ("needs_review", ["possible_duplicate"])
        [stored] = stored_candidates(report)
    assert (stored.report_id, stored.tracking_number) == (ids[0], "JK7M-29QX-4")
    assert BANDS.review_above <= stored.score < BANDS.duplicate_above
    assert isinstance(stored, Candidate) and stored.text_score > 0.5


@pytest.mark.postgres
def test_burst_triaged_at_once_keeps_one_original(
    pg_pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two citizens report one pothole at the same second; two workers triage them together."""
    with pg_pipeline_env.session() as session:
        first, second = other_citizen(session, "new"), other_citizen(session, "new")
        session.commit()
    both_read = threading.Barrier(2)
    real = dedupe.candidates

    def read_then_wait(*args: Any) -> list[dedupe.Candidate]:
        found = real(*args)
        both_read.wait(timeout=10)  # neither decision is written before both have looked
        return found

    monkeypatch.setattr(dedupe, "candidates", read_then_wait)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(stages.triage_report, [first.id, second.id]))
    with pg_pipeline_env.session() as session:
        states = {r.id: (r.state, r.duplicate_of) for r in session.exec(select(Report)).all()}
    assert states == {first.id: ("ready", None), second.id: ("duplicate", first.id)}


@pytest.mark.postgres
def test_one_street_in_two_kelurahan_processed_at_once_still_meet(
    pg_pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The advisory lock covers every block, not only the kelurahan: two citizens name one
    street, their messages resolve to neighbouring kelurahan, two workers process them at once."""
    texts = [
        f"Jalan berlubang besar di Jl. Kebon Sirih dekat sekolah, Kel. {kel}, Menteng"
        for kel in ("Kebon Sirih", "Gondangdia")
    ]
    with pg_pipeline_env.session() as session:
        ids = [
            add_inbox(
                session, message(t, sender=Sender(handle=f"whatsapp:+6281{n}")), "received"
            ).id
            for n, t in enumerate(texts)
        ]
        session.commit()
    both_read = threading.Barrier(2)
    real = dedupe.candidates

    def read_then_wait(*args: Any) -> list[dedupe.Candidate]:
        found = real(*args)
        with contextlib.suppress(threading.BrokenBarrierError):  # the locked twin never comes
            both_read.wait(timeout=3)
        return found

    monkeypatch.setattr(dedupe, "candidates", read_then_wait)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(stages.process_message, ids))
    with pg_pipeline_env.session() as session:
        reports = session.exec(select(Report).order_by(Report.id)).all()
    assert {r.kelurahan_code for r in reports} == {"31.71.06.1005", "31.71.06.1004"}
    waited = [r for r in reports if r.candidates]
    assert len(waited) == 1  # the second saw the first (a street across a border: review)
    other = next(r for r in reports if r is not waited[0])
    assert [c.report_id for c in stored_candidates(waited[0])] == [other.id]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Jl. KH. A Wahab II", "Jl. KH. Abdul Wahab 2", True),  # titles, numerals
        ("Jl. Dr. Soemarno", "Jl. Dr. Sumarno", True),  # old spelling
        ("Jl. Kalibesar Timur", "Jl. Kalibesar Timur Pinangsia", True),  # words after the name
        ("Jl. Fachrudin", "jln Fachrudin", True),  # a name is never read as chat ("-in")
        ("Jl. Kembangan Utara", "Jl. Kembangan Selatan", False),  # directions differ
        ("Jl. Petamburan III", "Jl. Petamburan V", False),  # numbers differ
        ("Jl. Melati", "Jl. Kenanga", False),
    ],
)
def test_street_score_reads_one_street_however_it_is_written(a: str, b: str, same: bool) -> None:
    from pipeline.similarity import street_score  # noqa: PLC0415

    found = street_score(a, b)
    assert found is not None
    assert (found >= 0.9) if same else (found < 0.75)


def test_stored_problem_words_are_capped_at_a_word_boundary() -> None:
    """A long e-mail's problem words fit an index entry; its gist, first, is kept."""
    from pipeline.blocking import PROBLEM_MAX, keys_of  # noqa: PLC0415
    from pipeline.similarity import stored_problem  # noqa: PLC0415

    letter = "Jalan berlubang di depan sekolah. " + "Kami mohon perbaikan aspal segera. " * 40
    whole = stored_problem(letter, "")
    problem = keys_of(letter, "", "", "", "", "", None, None)["problem"]
    assert len(whole) > PROBLEM_MAX >= len(problem) > PROBLEM_MAX - 20
    assert whole.startswith(problem) and whole[len(problem)] == " "  # whole words only
