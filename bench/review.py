"""Admin review UI: queue page, filtered rows, report page and login latency with a large backlog.

    .venv/bin/python bench/review.py [--reports 50000] [--review-share 0.1] [--n 40]
                                     [--database-url postgresql://postgres@127.0.0.1/db]

Fills the database with reports spread over all 267 kelurahan (a share waiting in needs_review,
as after a flood), then times requests through the whole app in process (routing, auth, scoped
SQL, Jinja rendering). Default database: a temporary SQLite file. Figures vary +-25% on shared
2-core machines.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient  # noqa: E402

from config.settings import get_settings  # noqa: E402
from normalizers import gazetteer  # noqa: E402
from pipeline import migrate  # noqa: E402
from pipeline.db import get_engine, session_scope  # noqa: E402
from pipeline.models import InboxMessage, Report, utcnow  # noqa: E402
from web.review.auth import Role  # noqa: E402
from web.review.models import AdminUser  # noqa: E402
from web.review.passwords import hash_password  # noqa: E402

PASSWORD = "bench-password-123"
CHANNELS = ("twitter", "facebook", "email", "twilio", "walkin", "media_massa")
REASONS = (["ambiguous_location"], ["missing_photo"], ["possible_duplicate"], ["channel_review"])


def fill(total: int, review_share: float) -> None:
    """Insert `total` inbox messages + reports with Core bulk inserts."""
    rng = random.Random(7)
    kelurahan = gazetteer.KELURAHAN
    now = utcnow()
    inbox_rows, report_rows = [], []
    for i in range(1, total + 1):
        area = kelurahan[i % len(kelurahan)]
        channel = CHANNELS[i % len(CHANNELS)]
        waiting = rng.random() < review_share
        at = now - timedelta(minutes=rng.randint(1, 60 * 24 * 14))
        inbox_rows.append(
            {
                "id": i,
                "channel": channel,
                "external_id": f"bench-{i}",
                "received_at": at,
                "stored_at": at,
                "updated_at": at,
                "state": "processed",
                "error": "",
                "sender_handle": f"w{i}",
                "conversation_id": "",
                "correlation_id": f"c{i}",
                "attempts": 1,
                "report_id": None,
                "payload": {
                    "text": "Jalan berlubang",
                    "reply_context": {"office": f"kelurahan:{area.code}"},
                },
            }
        )
        report_rows.append(
            {
                "id": i,
                "reference": f"IN-B{i:08d}",
                "inbox_message_id": i,
                "channel": channel,
                "conversation_id": "",
                "state": "needs_review" if waiting else "pushed",
                "reasons": REASONS[i % len(REASONS)] if waiting else [],
                "description": f"Jalan berlubang di dekat pasar {area.name}, membahayakan motor.",
                "original_text": "",
                "language": "id",
                "address_text": "",
                "street": "",
                "rt_rw": "",
                "landmark": "",
                "kota_code": area.kota_code,
                "kecamatan_code": area.kecamatan_code,
                "kelurahan_code": area.code,
                "kelurahan_name": area.name,
                "location_confidence": 0.6,
                "lat": None,
                "lon": None,
                "location_source": "",
                "category": "jalan_rusak",
                "category_confidence": 0.9,
                "opd": "Dinas Bina Marga",
                "emergency": "",
                "contact_id": None,
                "confidential": False,
                "anonymous": False,
                "photo_count": 0,
                "duplicate_of": None,
                "tracking_number": "",
                "crm_id": "",
                "crm_status": "",
                "info_requests": 0,
                "normalized": {},
                "needs_info_until": None,
                "created_at": at,
                "updated_at": at,
                "state_changed_at": at,
            }
        )
    with get_engine().begin() as conn:
        for start in range(0, total, 5000):
            conn.execute(InboxMessage.__table__.insert(), inbox_rows[start : start + 5000])  # type: ignore[attr-defined]
            conn.execute(Report.__table__.insert(), report_rows[start : start + 5000])  # type: ignore[attr-defined]


def accounts() -> dict[str, dict[str, str]]:
    """One account per scope shape."""
    area = gazetteer.KELURAHAN[10]
    return {
        "superadmin": {"role": Role.SUPERADMIN},
        "admin_walikota": {"role": Role.ADMIN_WALIKOTA, "kota_code": area.kota_code},
        "admin_kelurahan": {"role": Role.ADMIN_KELURAHAN, "kelurahan_code": area.code},
        "channel_admin": {"role": Role.CHANNEL_ADMIN, "channel": "twitter"},
    }


def timed(call: Callable[[], object], n: int) -> str:
    """p50/p99 in ms of n calls."""
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return f"p50 {statistics.median(samples):7.1f} ms  p99 {p99:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--review-share", type=float, default=0.1)
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-review-")
    os.environ.update(INTAKE_VAR_DIR=tmp, DATABASE_URL=args.database_url, REDIS_URL="")
    get_settings.cache_clear()
    migrate.upgrade()
    began = time.perf_counter()
    fill(args.reports, args.review_share)
    took = time.perf_counter() - began
    print(f"filled {args.reports} reports ({args.review_share:.0%} in review) in {took:.1f} s")
    hashed = hash_password(PASSWORD)
    with session_scope() as session:
        for name, fields in accounts().items():
            session.add(AdminUser(username=name, password_hash=hashed, **fields))
    from web.app import create_app  # noqa: PLC0415

    app = create_app(get_settings())
    for name in accounts():
        with TestClient(app, base_url="https://bench", headers={"Accept": "text/html"}) as client:
            page = client.get("/admin/login").text
            token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            form = {"username": name, "password": PASSWORD, "csrf_token": token}
            start = time.perf_counter()
            assert client.post("/admin/login", data=form, follow_redirects=False).status_code == 303
            login_ms = (time.perf_counter() - start) * 1000
            rows = client.get("/admin/queue/rows").text.count('<tr id="report-')
            print(f"{name:16s} login {login_ms:6.0f} ms  queue rows shown {rows}")
            filters = {"reason": "missing_photo", "age": "24"}  # noqa: B023 (used at once)
            print(f"  queue page        {timed(lambda c=client: c.get('/admin/'), args.n)}")
            rows_call = lambda c=client: c.get("/admin/queue/rows", params=filters)  # noqa: E731, B023
            print(f"  rows, reason+age  {timed(rows_call, args.n)}")
            first = client.get("/admin/queue/rows").text.split('href="/admin/reports/', 1)
            if len(first) == 2:
                rid = first[1].split('"', 1)[0]
                page_call = lambda c=client, r=rid: c.get(f"/admin/reports/{r}")  # noqa: E731
                print(f"  report page       {timed(page_call, args.n)}")


if __name__ == "__main__":
    main()
