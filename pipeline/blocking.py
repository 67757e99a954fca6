"""Which open reports a new report is compared with: every block in one UNION ALL round trip.

Each block walks an index in recency order and stops at its limit, so the cost does not grow
with the history (ix_report_block: kelurahan, category, created_at; ix_report_conversation,
ix_report_contact for the same citizen). Core statements, not ORM queries: triage runs once per
report and the ORM's per-statement overhead was most of its time (bench/dedupe.py).
"""

from __future__ import annotations

import math
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import TextClause, bindparam, text
from sqlmodel import Session

from config.settings import TriageSettings
from normalizers import gazetteer
from normalizers.geo import distance_km
from pipeline.models import AwareDateTime, Report, utcnow
from pipeline.states import ReportState

#: Reports in these states can still absorb a duplicate.
OPEN_STATES = (ReportState.READY, ReportState.PUSHED, ReportState.NEEDS_REVIEW, ReportState.NEW)
#: A report the CRM closed is not open: the same problem reported again is a new report.
CLOSED_CRM_STATUS = "Selesai"
NEAR_M = 300.0  # how far apart two pins may be and still show one problem
OWN_LIMIT = 20  # a citizen's own open reports looked at

#: The columns scoring reads (full rows would also decode every normalizer JSON).
COLUMNS = (
    "id, reference, tracking_number, description, address_text, street, lat, lon, category, "
    "kelurahan_code"
)
_OPEN = (
    "state IN ({states}) AND crm_status != '{closed}' AND id != :rid"
    # Two reports of one burst, triaged at once, would each see the other still `new` and
    # become duplicates of each other, so neither reaches the CRM: a report still waiting for
    # triage only counts when it is older (lower id) than this one.
    " AND (state != 'new' OR id < :rid)"
).format(states=", ".join(f"'{s.value}'" for s in OPEN_STATES), closed=CLOSED_CRM_STATUS)


@lru_cache(maxsize=4096)
def _cells(lat3: float, lon3: float, near_m: float) -> tuple[str, ...]:
    found = sorted(
        (distance_km(lat3, lon3, k.lat, k.lon) * 1000, k.code)
        for k in gazetteer.KELURAHAN
        if k.lat is not None and k.lon is not None
    )
    if not found:
        return ()
    reach = found[0][0] + 2 * near_m
    return tuple(code for dist, code in found if dist <= reach)


def geo_cells(lat: float, lon: float, near_m: float = NEAR_M) -> list[str]:
    """Kelurahan whose area may hold a point within near_m of (lat, lon), nearest first.

    Kelurahan are the cells of their centroids (normalizers/geo.py assigns by nearest
    centroid), so a point q within r of p lies in a cell whose centroid is at most
    d_min + 2r from p (triangle inequality). Cached per ~110 m square, widened by 160 m
    to cover the rounding.
    """
    return list(_cells(round(lat, 3), round(lon, 3), near_m + 160))


def _block(
    name: str, where: str, limit: int, own: bool, since: str = "since", then: str = ""
) -> str:
    """One block: an index range in recency order, cut at `limit`, then filtered by `then`."""
    # Only fixed fragments and integers are formatted in; every value is a bound parameter.
    sql = f"SELECT * FROM (SELECT {COLUMNS}, {int(own)} AS own FROM report WHERE "  # noqa: S608
    sql += f"created_at >= :{since} AND {_OPEN} AND {where} "
    sql += f"ORDER BY created_at DESC LIMIT {int(limit)}) AS {name}"
    return sql + (f" WHERE {then}" if then else "")


def _box(lat: float, lon: float) -> dict[str, float]:
    dlat = NEAR_M / 111_320
    dlon = dlat / max(0.1, math.cos(math.radians(lat)))
    return {"lat0": lat - dlat, "lat1": lat + dlat, "lon0": lon - dlon, "lon1": lon + dlon}


def blocks(report: Report, settings: TriageSettings) -> tuple[list[str], dict[str, Any]]:
    """The SQL of every block the report falls in, and their parameters."""
    limit, now = settings.max_candidates, utcnow()
    params: dict[str, Any] = {
        "rid": report.id or 0,
        "since": now - timedelta(days=settings.window_days),
        "kel": report.kelurahan_code,
        "cat": report.category,
    }
    parts = []
    if report.kelurahan_code:
        parts.append(_block("kc", "kelurahan_code = :kel AND category = :cat", limit, False))
        # The category classifier is ~88 % right: the most recent other-category reports of
        # the kelurahan too, a fifth of the limit.
        parts.append(_block("ko", "kelurahan_code = :kel AND category != :cat", limit // 5, False))
    if report.lat is not None and report.lon is not None:
        params |= _box(report.lat, report.lon)
        box = "lat BETWEEN :lat0 AND :lat1 AND lon BETWEEN :lon0 AND :lon1"
        cells = [c for c in geo_cells(report.lat, report.lon) if c != report.kelurahan_code]
        for n, code in enumerate(cells):
            params[f"cell{n}"] = code
            # The cell's most recent reports (an index range), then the box: filtering the
            # whole cell by the box would read every report of a dense kelurahan.
            where = f"kelurahan_code = :cell{n} AND category = :cat"
            parts.append(_block(f"g{n}", where, limit // 5, False, then=box))
    if report.contact_id is not None or report.conversation_id:
        params |= {
            "own_since": now - timedelta(hours=settings.same_citizen_window_h),
            "contact": report.contact_id,
            "channel": report.channel,
            "conv": report.conversation_id,
        }
        same = (
            "contact_id = :contact"
            if report.contact_id is not None
            else "channel = :channel AND conversation_id = :conv"
        )
        parts.append(_block("own", same, OWN_LIMIT, True, since="own_since"))
    return parts, params


@lru_cache(maxsize=256)
def _statement(parts: tuple[str, ...]) -> TextClause:
    """The UNION ALL of the blocks, compiled once per shape (timestamps bound as UTC)."""
    names = [n for n in ("since", "own_since") if any(f":{n} " in p for p in parts)]
    stamp = AwareDateTime()
    return text(" UNION ALL ".join(parts)).bindparams(*(bindparam(n, type_=stamp) for n in names))


def blocked_rows(session: Session, report: Report, settings: TriageSettings) -> list[Any]:
    """Rows of every block (COLUMNS + `own`), once each; `own` rows are the citizen's own."""
    parts, params = blocks(report, settings)
    if not parts:
        return []
    statement = _statement(tuple(parts))
    used = {k: v for k, v in params.items() if f":{k}" in statement.text}
    rows: dict[int, Any] = {}
    for row in session.connection().execute(statement, used):
        if row.id not in rows or row.own:
            rows[row.id] = row
    return list(rows.values())
