"""Duplicate candidates: open reports in the same kelurahan and category, scored by similarity."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from rapidfuzz import fuzz, utils
from sqlmodel import Session, select

from pipeline.models import Report, utcnow
from pipeline.states import ReportState

#: Reports in these states can still absorb a duplicate.
OPEN_STATES = (ReportState.READY, ReportState.PUSHED, ReportState.NEEDS_REVIEW, ReportState.NEW)
WINDOW = timedelta(days=14)
MAX_CANDIDATES = 150


@dataclass(frozen=True)
class Candidate:
    """An existing open report that may describe the same issue."""

    report_id: int
    reference: str
    tracking_number: str
    text_score: float  # 0-1
    distance_m: float | None
    score: float  # 0-1 combined


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6_371_000 * 2 * math.asin(math.sqrt(a))


def score(text_score: float, dist: float | None) -> float:
    """Combine text similarity with distance: far apart lowers, very close raises."""
    if dist is None:
        return text_score
    if dist > 1_000:
        return text_score * 0.5
    if dist < 100:
        return min(1.0, text_score + 0.1)
    return text_score


def candidates(session: Session, report: Report) -> list[Candidate]:
    """Open reports blocked by kelurahan + category + time window, best first."""
    if not report.kelurahan_code:
        return []
    since = utcnow() - WINDOW
    # Only the columns scoring needs: full rows would also decode every normalizer JSON.
    rows = session.exec(
        select(
            Report.id,
            Report.reference,
            Report.tracking_number,
            Report.description,
            Report.lat,
            Report.lon,
        )
        .where(
            Report.kelurahan_code == report.kelurahan_code,
            Report.category == report.category,
            Report.created_at >= since,
            Report.id != report.id,
            Report.state.in_([s.value for s in OPEN_STATES]),  # type: ignore[attr-defined]
            # Two reports of one burst, triaged at once, would each see the other still `new`
            # and become duplicates of each other, so neither reaches the CRM: a report still
            # waiting for triage only counts when it is older (lower id) than this one.
            (Report.state != ReportState.NEW.value) | (Report.id < report.id),  # type: ignore[operator]
        )
        .order_by(Report.created_at.desc())  # type: ignore[attr-defined]
        .limit(MAX_CANDIDATES)
    ).all()
    query = utils.default_process(report.description)
    found = []
    for row in rows:
        text = fuzz.token_set_ratio(query, utils.default_process(row.description)) / 100
        dist = None
        if None not in (report.lat, report.lon, row.lat, row.lon):
            dist = distance_m(report.lat, report.lon, row.lat, row.lon)  # type: ignore[arg-type]
        found.append(
            Candidate(
                row.id or 0, row.reference, row.tracking_number, text, dist, score(text, dist)
            )
        )
    return sorted(found, key=lambda c: c.score, reverse=True)
