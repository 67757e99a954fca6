"""Duplicate candidates: open reports found by blocking, scored by text, street, distance, photo.

Blocking keeps the cost flat however large the history grows: every query walks an index in
recency order and stops at a limit (settings.triage.max_candidates).

- same kelurahan + same category + window (index ix_report_block);
- same kelurahan, other categories (the category classifier is ~88 % right, so two texts of
  one issue can land in different categories): the most recent third of the limit;
- geo cells: with coordinates, the kelurahan whose centroids are near enough that a point
  within NEAR_M could belong to them, same category, inside a bounding box: a pin near a
  kelurahan border, or a pin with no kelurahan at all;
- same citizen: their own open reports of the last same_citizen_window_h hours, any place or
  category (by contact, or by channel + conversation for channels without a contact row).

Photos: attachments are fetched asynchronously (actor fetch_media), so a report is often
triaged before its own photo has a hash. Scoring then simply has no photo evidence; it never
waits, and an admin comparing the middle band sees the photos themselves.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from typing import Any

from sqlalchemy import and_
from sqlmodel import Session, select

from config.settings import TriageSettings, get_settings
from normalizers import gazetteer
from normalizers.geo import distance_km
from normalizers.photos import hamming
from pipeline import similarity
from pipeline.models import Attachment, Report, utcnow
from pipeline.states import ReportState

#: Reports in these states can still absorb a duplicate.
OPEN_STATES = (ReportState.READY, ReportState.PUSHED, ReportState.NEEDS_REVIEW, ReportState.NEW)
#: A report the CRM closed is not open: the same problem reported again is a new report.
CLOSED_CRM_STATUS = "Selesai"
NEAR_M = 300.0  # how far apart two pins may be and still show one problem
#: pHash Hamming distance (of 64 bits) at or below which two photos are the same picture
#: (forwarded or re-sent); imagehash's README compares hashes the same way.
SAME_PHOTO_BITS = 6
SIMILAR_PHOTO_BITS = 12

_COLUMNS = (
    Report.id,
    Report.reference,
    Report.tracking_number,
    Report.description,
    Report.address_text,
    Report.street,
    Report.lat,
    Report.lon,
    Report.category,
    Report.kelurahan_code,
)


@dataclass(frozen=True)
class Candidate:
    """An existing open report that may describe the same issue."""

    report_id: int
    reference: str
    tracking_number: str
    text_score: float  # 0-1, problem words only
    distance_m: float | None
    score: float  # 0-1 combined
    photo_distance: int | None = None  # pHash bits, None when either has no hashed photo
    same_citizen: bool = False
    same_category: bool = True
    same_place: bool | None = None  # same street or pins within NEAR_M; None: unknown

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict (Report.candidates stores a list of these)."""
        data = asdict(self)
        for key in ("text_score", "score"):
            data[key] = round(data[key], 3)
        if self.distance_m is not None:
            data["distance_m"] = round(self.distance_m, 1)
        return data


def stored_candidates(report: Report) -> list[Candidate]:
    """The possible duplicates triage stored on a report, best first (for the admin UI)."""
    known = {f.name for f in fields(Candidate)}
    return [Candidate(**{k: v for k, v in row.items() if k in known}) for row in report.candidates]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6_371_000 * 2 * math.asin(math.sqrt(a))


def score(
    text: float,
    dist: float | None,
    street: float | None = None,
    photo_bits: int | None = None,
    same_category: bool = True,
) -> float:
    """Combine the evidence: text first; street, distance, photo and category move it."""
    combined = text
    if dist is None and street is not None:  # two named streets (pins, when there, say more)
        combined = combined + 0.1 if street >= 0.9 else combined * (0.6 if street < 0.75 else 1)
    if dist is not None:
        if dist < 50:
            combined += 0.2
        elif dist < 150:
            combined += 0.1
        elif dist > 1_000:
            combined *= 0.5
        elif dist > NEAR_M:
            combined *= 0.75
    if photo_bits is not None and photo_bits <= SIMILAR_PHOTO_BITS:
        combined += 0.25 if photo_bits <= SAME_PHOTO_BITS else 0.1
    combined = min(1.0, combined)
    return round(combined if same_category else combined * 0.95, 4)


def geo_cells(lat: float, lon: float, near_m: float = NEAR_M) -> list[str]:
    """Kelurahan whose area may hold a point within near_m of (lat, lon), nearest first.

    Kelurahan are the cells of their centroids (normalizers/geo.py assigns by nearest
    centroid), so a point q within r of p lies in a cell whose centroid is at most
    d_min + 2r from p (triangle inequality): those cells are the geo block.
    """
    found = sorted(
        (distance_km(lat, lon, k.lat, k.lon) * 1000, k.code)
        for k in gazetteer.KELURAHAN
        if k.lat is not None and k.lon is not None
    )
    if not found:
        return []
    reach = found[0][0] + 2 * near_m
    return [code for dist, code in found if dist <= reach]


def _open_filter(report: Report, since: Any) -> list[Any]:
    return [
        Report.created_at >= since,
        Report.id != report.id,
        Report.state.in_([s.value for s in OPEN_STATES]),  # type: ignore[attr-defined]
        Report.crm_status != CLOSED_CRM_STATUS,
        # Two reports of one burst, triaged at once, would each see the other still `new`
        # and become duplicates of each other, so neither reaches the CRM: a report still
        # waiting for triage only counts when it is older (lower id) than this one.
        (Report.state != ReportState.NEW.value) | (Report.id < report.id),  # type: ignore[operator]
    ]


def _fetch(session: Session, where: list[Any], limit: int) -> list[Any]:
    query = (
        select(*_COLUMNS)
        .where(*where)
        .order_by(Report.created_at.desc())  # type: ignore[attr-defined]
        .limit(limit)
    )
    return list(session.exec(query).all())


def _box(lat: float, lon: float, near_m: float) -> list[Any]:
    dlat = near_m / 111_320
    dlon = dlat / max(0.1, math.cos(math.radians(lat)))
    return [Report.lat.between(lat - dlat, lat + dlat), Report.lon.between(lon - dlon, lon + dlon)]  # type: ignore[union-attr]


def _same_citizen(report: Report) -> Any | None:
    if report.contact_id is not None:
        return Report.contact_id == report.contact_id
    if report.conversation_id:
        return and_(
            Report.channel == report.channel, Report.conversation_id == report.conversation_id
        )
    return None


def blocked_rows(session: Session, report: Report, settings: TriageSettings) -> dict[int, Any]:
    """Rows of every block this report falls in, by id (columns of _COLUMNS)."""
    limit = settings.max_candidates
    since = utcnow() - timedelta(days=settings.window_days)
    base = _open_filter(report, since)
    rows: dict[int, Any] = {}
    if report.kelurahan_code:
        kel = Report.kelurahan_code == report.kelurahan_code
        for row in _fetch(session, [*base, kel, Report.category == report.category], limit):
            rows[row.id] = row
        for row in _fetch(session, [*base, kel, Report.category != report.category], limit // 3):
            rows.setdefault(row.id, row)
    if report.lat is not None and report.lon is not None:
        box = _box(report.lat, report.lon, NEAR_M)
        for code in geo_cells(report.lat, report.lon):
            if code != report.kelurahan_code:
                where = [*base, Report.kelurahan_code == code, Report.category == report.category]
                for row in _fetch(session, where + box, limit // 3):
                    rows.setdefault(row.id, row)
    return rows


def own_report_ids(session: Session, report: Report, settings: TriageSettings) -> dict[int, Any]:
    """The same citizen's open reports of the last same_citizen_window_h hours, by id."""
    same = _same_citizen(report)
    if same is None:
        return {}
    since = utcnow() - timedelta(hours=settings.same_citizen_window_h)
    return {row.id: row for row in _fetch(session, [*_open_filter(report, since), same], 20)}


def _photo_hashes(session: Session, ids: list[int]) -> dict[int, list[str]]:
    hashes: dict[int, list[str]] = {}
    if not ids:
        return hashes
    rows = session.exec(
        select(Attachment.report_id, Attachment.phash).where(
            Attachment.report_id.in_(ids),  # type: ignore[union-attr]
            Attachment.phash != "",
        )
    ).all()
    for report_id, phash in rows:
        hashes.setdefault(report_id or 0, []).append(phash)
    return hashes


def photo_distance(ours: list[str], theirs: list[str]) -> int | None:
    """Fewest differing pHash bits between any photo of one report and any of the other."""
    if not ours or not theirs:
        return None
    return min(hamming(a, b) for a in ours for b in theirs)


def candidates(
    session: Session, report: Report, settings: TriageSettings | None = None
) -> list[Candidate]:
    """Open reports that may describe the same issue as `report`, best first."""
    settings = settings or get_settings().triage
    rows = blocked_rows(session, report, settings)
    own = own_report_ids(session, report, settings)
    rows.update({i: r for i, r in own.items() if i not in rows})
    if not rows:
        return []
    photos = _photo_hashes(session, [report.id or 0, *rows])
    ours = similarity.problem_tokens(report.description, report.address_text)
    found = [
        _candidate(report, row, ours, row.id in own, photos.get(report.id or 0, []), photos)
        for row in rows.values()
    ]
    return sorted(found, key=lambda c: (-c.score, c.report_id))  # ties: the older report


def _candidate(
    report: Report,
    row: Any,
    ours: tuple[str, ...],
    own: bool,
    our_photos: list[str],
    photos: dict[int, list[str]],
) -> Candidate:
    theirs = similarity.problem_tokens(row.description, row.address_text)
    their_place = similarity.place_tokens(row.address_text)
    text = similarity.text_score(
        " ".join(w for w in ours if w not in their_place),
        " ".join(theirs),
    )
    dist = None
    if None not in (report.lat, report.lon, row.lat, row.lon):
        dist = distance_m(report.lat, report.lon, row.lat, row.lon)  # type: ignore[arg-type]
    street = similarity.street_score(report.street, row.street)
    bits = photo_distance(our_photos, photos.get(row.id, []))
    same_category = row.category == report.category
    same_place = _same_place(street, dist, row.kelurahan_code, report.kelurahan_code)
    return Candidate(
        report_id=row.id,
        reference=row.reference,
        tracking_number=row.tracking_number,
        text_score=text,
        distance_m=dist,
        score=score(text, dist, street, bits, same_category),
        photo_distance=bits,
        same_citizen=own,
        same_category=same_category,
        same_place=same_place,
    )


def _same_place(street: float | None, dist: float | None, kel_a: str, kel_b: str) -> bool | None:
    """Pins within NEAR_M, else the same street, else the same kelurahan; None: unknown."""
    if dist is not None:
        return dist <= NEAR_M
    if street is not None:
        return street >= 0.75
    if kel_a and kel_b:
        return kel_a == kel_b
    return None
