"""Many workers at once, on SQLite and PostgreSQL: one ticket per key, every status change seen once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from crm_core.service import CRMCore

PHOTO = "https://media.example.org/selesai.jpg"
LIFECYCLE = ("Koordinasi", "Proses", "Tindak Lanjut", "Validasi", "Selesai")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_url(request, tmp_path) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("pg_database_url")
    return f"sqlite:///{tmp_path / 'crm_core.db'}"


@pytest.fixture
def any_core(any_url) -> CRMCore:
    return CRMCore(any_url)


def test_processes_starting_together_share_one_schema(any_url, new_report):
    with ThreadPoolExecutor(max_workers=4) as pool:
        cores = list(pool.map(lambda _: CRMCore(any_url), range(4)))
    first = cores[0].create_request(new_report("intake:a"))
    assert cores[3].create_request(new_report("intake:a")).tracking_number == first.tracking_number
    cores[1].transition(first.tracking_number, "Koordinasi", officer="admin")
    assert [c.status for c in cores[2].status_changes(0)] == ["Koordinasi"]


def test_duplicate_pushes_from_many_threads_make_one_ticket_each(any_core, new_report):
    keys = [f"intake:rpt-{i:03d}" for i in range(10)] * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(
            pool.map(lambda key: any_core.create_request(new_report(key)).tracking_number, keys)
        )
    by_key: dict[str, set[str]] = {}
    for key, number in zip(keys, numbers, strict=True):
        by_key.setdefault(key, set()).add(number)
    assert all(len(found) == 1 for found in by_key.values())
    assert len(any_core.search(limit=1000)) == 10


def test_a_poller_sees_every_status_change_exactly_once(any_core, new_report):
    numbers = [
        any_core.create_request(new_report(f"intake:rpt-{i:03d}")).tracking_number
        for i in range(12)
    ]
    done = threading.Event()
    seen: list[tuple[str, str, int]] = []

    def poll() -> None:
        cursor = 0
        while True:
            finished = done.is_set()
            for change in any_core.status_changes(cursor):
                seen.append((change.tracking_number, change.status, change.seq))
                cursor = change.seq
            if finished:
                return

    def walk(number: str) -> None:
        for status in LIFECYCLE:
            photos = [PHOTO] if status == "Tindak Lanjut" else []
            any_core.transition(number, status, officer="petugas", photo_urls=photos)

    poller = threading.Thread(target=poll)
    poller.start()
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(walk, numbers))
    done.set()
    poller.join(timeout=60)
    assert sorted((n, s) for n, s, _ in seen) == sorted((n, s) for n in numbers for s in LIFECYCLE)
    seqs = [seq for _, _, seq in seen]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
