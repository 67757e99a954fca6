"""Duplicate candidates: open reports found by blocking, scored by text, street, distance, photo.

Blocks (pipeline/blocking.py; each walks an index in recency order up to a limit, so the cost
stays flat however large the history grows):

- same kelurahan + same category + window (index ix_report_block);
- same kelurahan, other categories (the category classifier is ~88 % right, so two texts of
  one issue can land in different categories): the most recent fifth of the limit;
- same place: the street's or landmark's first telling words (or the RW) in the kecamatan, any
  category (index ix_report_place): the original in a busy kelurahan, hundreds of reports ago;
- map cells: with coordinates, the 1-4 cells of ~600 m a point within NEAR_M can lie in, same
  category, their most recent pins inside a bounding box (index ix_report_geo holds the pin):
  pins across a kelurahan border, or a pin with no kelurahan at all;
- same citizen: their own open reports of the last same_citizen_window_h hours, any place or
  category (by contact, or by channel + conversation for channels without a contact row).

Photos: attachments are fetched asynchronously (actor fetch_media), so a report is often
triaged before its own photo has a hash. Scoring then simply has no photo evidence; it never
waits, and an admin comparing the middle band sees the photos themselves.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from config.settings import TriageSettings, get_settings
from normalizers.photos import hamming
from pipeline import similarity
from pipeline.blocking import CLOSED_CRM_STATUS, NEAR_M, OPEN_STATES, blocked_rows
from pipeline.models import Attachment, Report

#: pHash Hamming distance (of 64 bits): pHash's own docs say 1-2 differing bits means "very
#: likely the same image" (metacpan Phash::FFI) and its Haskell binding suggests 15 as a
#: similarity cut-off (hackage phash, imagesSimilar): <= 6 counts as the same picture (forwarded
#: or re-compressed), <= 12 as the same scene; more says nothing (another angle, not another
#: problem).
SAME_PHOTO_BITS = 6
SIMILAR_PHOTO_BITS = 12
#: The street agreement that one shared place key stands for: the same street (STREET_BONUS),
#: short of a full name (a landmark's first word, or an RW, is a coarser place than a street).
PLACE_KEY_AGREEMENT = 0.9
#: What one named street adds to the text score (no pins). Two citizens of one pothole share
#: fewer words than it seems (different registers: texts of one issue score 0.45-0.6), and
#: another problem of the same street is most often another category (scaled by 0.95, and
#: its words score lower): 0.1 -> 0.15 recovered 4 + 3 missed pairs of the fresh set's first
#: half and the held-out set for 2 more in review (bench/dedupe.py).
STREET_BONUS = 0.15

__all__ = [
    "CLOSED_CRM_STATUS",
    "OPEN_STATES",
    "Candidate",
    "candidates",
    "distance_m",
    "score",
    "stored_candidates",
]


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
    area: str = "kelurahan",
) -> float:
    """Combine the evidence: text first; street, distance, photo, category and area move it.

    area: "kelurahan" (both in one kelurahan), "kecamatan" (one kecamatan, one side's
    kelurahan unknown) or "other" (two kelurahan, or nothing known).
    """
    combined = text
    if dist is None and street is not None:  # two named streets (pins, when there, say more)
        combined = (
            combined + STREET_BONUS if street >= 0.9 else combined * (0.6 if street < 0.75 else 1)
        )
    if dist is not None:
        if dist < 50:
            combined += 0.2
        elif dist < 150:
            combined += 0.15
        elif dist > 1_000:
            combined *= 0.5
        elif dist > NEAR_M:
            combined *= 0.75
    if photo_bits is not None and photo_bits <= SIMILAR_PHOTO_BITS:
        combined += 0.25 if photo_bits <= SAME_PHOTO_BITS else 0.1
    combined = min(1.0, combined) * (1 if same_category else 0.95)
    if dist is None and area == "kecamatan":  # the kelurahan unread on one side
        combined = min(combined, 0.8)  # at most the middle band: an admin looks
    elif dist is None and area != "kelurahan":  # a long street, two (or unknown) kelurahan
        combined *= 0.8
    return round(combined, 4)


def _photo_hashes(session: Session, ids: list[int], report: Report) -> dict[int, list[str]]:
    """pHashes by report id; nothing to look up when this report came without photos."""
    hashes: dict[int, list[str]] = {}
    if not report.photo_count:
        return hashes
    table = Attachment.__table__  # type: ignore[attr-defined]
    rows = session.connection().execute(
        select(table.c.report_id, table.c.phash).where(
            table.c.report_id.in_(ids), table.c.phash != ""
        )
    )
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
    """Open reports that may describe the same issue as `report`, best first.

    Every blocked row gets a text score (rapidfuzz, in C, over the stored problem words); only
    rows whose text could still reach review_above with the best bonus this report can give
    (pin, photo) are scored in full, so the Python per row stays small as blocks fill up.
    """
    settings = settings or get_settings().triage
    rows = blocked_rows(session, report, settings)
    if not rows:
        return []
    ours_problem = _problem(report)
    texts = similarity.text_scores(ours_problem, [_problem(r) for r in rows])
    photos = _photo_hashes(session, [report.id or 0, *(r.id for r in rows)], report)
    ours = _Ours(
        report.lat,
        report.lon,
        ours_problem,
        _street_key(report),
        report.place_key or "",
        report.category,
        report.kelurahan_code,
        report.kecamatan_code,
        photos.get(report.id or 0, []),
    )
    floor = settings.review_above - _best_bonus(ours)
    found = [
        _candidate(ours, r, t, photos)
        for r, t in zip(rows, texts, strict=True)
        if r.own or t >= floor
    ]
    return sorted(found, key=lambda c: (-c.score, c.report_id))  # ties: the older report


def _problem(row: Any) -> str:
    """A report's (or blocked row's) stored problem words; computed for rows stored before
    migration 0005, whose keys are NULL."""
    if row.problem is not None:
        return str(row.problem)
    return similarity.stored_problem(row.description, row.address_text)


def _street_key(row: Any) -> str:
    """A report's (or blocked row's) stored street key, computed alike for rows before 0005."""
    return str(row.street_key) if row.problem is not None else similarity.street_key(row.street)


def _best_bonus(ours: _Ours) -> float:
    """The most that place and photo evidence can add to a text score (see score)."""
    place = 0.2 if ours.lat is not None else STREET_BONUS  # a pin within 50 m, else the same street
    return place + (0.25 if ours.photos else 0.0)


@dataclass(frozen=True, slots=True)
class _Ours:
    """The new report's fields scoring reads, taken once (ORM attribute access is slow)."""

    lat: float | None
    lon: float | None
    problem: str
    street_key: str
    place_key: str
    category: str
    kelurahan_code: str
    kecamatan_code: str
    photos: list[str]


def _candidate(ours: _Ours, row: Any, text: float, photos: dict[int, list[str]]) -> Candidate:
    dist = None
    if ours.lat is not None and ours.lon is not None and row.lat is not None:
        dist = distance_m(ours.lat, ours.lon, row.lat, row.lon)
    street = similarity.keys_score(ours.street_key, _street_key(row))
    if street is None and _same_place_words(ours, row):
        street = PLACE_KEY_AGREEMENT
    bits = photo_distance(ours.photos, photos.get(row.id, [])) if ours.photos else None
    same_category = row.category == ours.category
    return Candidate(
        report_id=row.id,
        reference=row.reference,
        tracking_number=row.tracking_number,
        text_score=text,
        distance_m=dist,
        score=score(text, dist, street, bits, same_category, _area(ours, row)),
        photo_distance=bits,
        same_citizen=bool(row.own),
        same_category=same_category,
        same_place=_same_place(street, dist, row.kelurahan_code, ours.kelurahan_code),
    )


def _same_place_words(ours: _Ours, row: Any) -> bool:
    """Place evidence when one side names no street the parser could read.

    The same place key ("depan Perumahan Taman Sunter Agung 2" and "Jl. Taman Sunter Agung
    II"), or one side's street named among the other's words ("Garbage pile di Kemang Raya"
    beside "Jl. Kemang Raya": the chat's street was not parsed, so its name stayed a word).
    """
    if ours.place_key and ours.place_key == row.place_key:
        return True
    theirs = _street_key(row)
    if bool(ours.street_key) == bool(theirs):
        return False
    named, words = (ours.street_key, _problem(row)) if ours.street_key else (theirs, ours.problem)
    head = similarity.street_head(named)
    return bool(head) and head in similarity.skeletons(words)


def _area(ours: _Ours, row: Any) -> str:
    """How far the two reports' areas agree (score's `area`)."""
    if ours.kelurahan_code and row.kelurahan_code == ours.kelurahan_code:
        return "kelurahan"
    unread = not ours.kelurahan_code or not row.kelurahan_code
    same_kecamatan = bool(ours.kecamatan_code) and row.kecamatan_code == ours.kecamatan_code
    return "kecamatan" if unread and same_kecamatan else "other"


def _same_place(street: float | None, dist: float | None, kel_a: str, kel_b: str) -> bool | None:
    """Pins within NEAR_M, else the same street, else the same kelurahan; None: unknown."""
    if dist is not None:
        return dist <= NEAR_M
    if street is not None:
        return street >= 0.75
    if kel_a and kel_b:
        return kel_a == kel_b
    return None
