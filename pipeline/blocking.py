"""Which open reports a new report is compared with: every block in one UNION ALL round trip.

Each block walks an index in recency order and stops at its limit, so the cost does not grow
with the history. Recency alone loses the original in a dense kelurahan (at 1M open reports the
busiest kelurahan + category gets hundreds a day), so the blocks are also keyed on what two
reports of one problem share: the street or landmark (or RW) in the kecamatan, the map cell of the
pin, the citizen. The keys are computed once when a report is stored (keys_of) and indexed
(ix_report_place, ix_report_geo, ix_report_block, ix_report_contact, ix_report_conversation).
The SQL is built once per shape of report and run on the DBAPI cursor (pipeline/block_query.py).
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from config.settings import TriageSettings
from pipeline import block_query, similarity
from pipeline.models import Report, utcnow
from pipeline.states import ReportState

#: Reports in these states can still absorb a duplicate.
OPEN_STATES = (ReportState.READY, ReportState.PUSHED, ReportState.NEEDS_REVIEW, ReportState.NEW)
#: A report the CRM closed is not open: the same problem reported again is a new report.
CLOSED_CRM_STATUS = "Selesai"
NEAR_M = 300.0  # how far apart two pins may be and still show one problem
OWN_LIMIT = 20  # a citizen's own open reports looked at

#: The columns scoring reads, all held by the kelurahan indexes (migration 0010), so the
#: kelurahan blocks are read from an index alone. The raw text of rows stored before their keys
#: (migration 0005, never rekeyed) is fetched apart (_with_text).
COLUMNS = (
    "id, reference, tracking_number, lat, lon, category, kelurahan_code, kecamatan_code, "
    "problem, street_key, place_key, "
    "NULL AS description, NULL AS address_text, NULL AS street"
)
#: Stored problem words at most this long: they sit in index entries (PostgreSQL's B-tree
#: entries stop at ~2.7 kB), and a complaint's gist comes first.
PROBLEM_MAX = 300
_OPEN = (
    "state IN ({states}) AND crm_status != '{closed}' AND id != :rid"
    # Two reports of one burst, triaged at once, would each see the other still `new` and
    # become duplicates of each other, so neither reaches the CRM: a report still waiting for
    # triage only counts when it is older (lower id) than this one.
    " AND (state != 'new' OR id < :rid)"
).format(states=", ".join(f"'{s.value}'" for s in OPEN_STATES), closed=CLOSED_CRM_STATUS)


#: Map cells: 0.0055 degrees (~610 m) is at least twice NEAR_M, so the square of half-side
#: NEAR_M around a pin touches at most 2 x 2 cells.
CELL_DEG = 0.0055


def cell_of(lat: float, lon: float) -> int:
    """The map cell of a point: row and column of a CELL_DEG grid in one integer."""
    return math.floor((lat + 90) / CELL_DEG) * 1_000_000 + math.floor((lon + 180) / CELL_DEG)


def near_cells(lat: float, lon: float) -> list[int]:
    """The cells a point within NEAR_M of (lat, lon) can lie in (1, 2 or 4), own cell first."""
    box = _box(lat, lon)
    corners = [(la, lo) for la in (box["lat0"], box["lat1"]) for lo in (box["lon0"], box["lon1"])]
    cells = {cell_of(la, lo) for la, lo in corners}
    own = cell_of(lat, lon)
    return [own, *sorted(cells - {own})]


#: Categories one problem is also filed under (by citizens and by the classifier alike): a
#: blocked drain floods the road, a vendor's stall blocks the sidewalk and leaves rubbish.
RELATED_CATEGORIES: dict[str, tuple[str, ...]] = {
    "banjir": ("saluran_air", "jalan_rusak", "lainnya"),
    "saluran_air": ("banjir", "sampah", "lainnya"),
    "sampah": ("saluran_air", "pkl", "lainnya"),
    "jalan_rusak": ("trotoar", "banjir", "lainnya"),
    "trotoar": ("jalan_rusak", "pkl", "parkir_liar", "lainnya"),
    "pkl": ("trotoar", "parkir_liar", "sampah", "lainnya"),
    "parkir_liar": ("trotoar", "pkl", "lainnya"),
    "pju": ("pohon", "lainnya"),
    "pohon": ("pju", "jalan_rusak", "lainnya"),
    "fasilitas_umum": ("sampah", "pelayanan_publik", "lainnya"),
    "pelayanan_publik": ("fasilitas_umum", "lainnya"),
}
_RW = re.compile(r"\bRW\W*(\d{1,3})\b", re.IGNORECASE)


def place_key(street_key: str, landmark: str, kelurahan_code: str, rt_rw: str) -> str:
    """The block key of a place: the street's (or landmark's) first telling word, else the RW.

    One word, not the whole name: the address parser may keep words after the name
    ("Kalibesar Timur Pinangsia"), one citizen writes "Jl. Pinang", another "Jl. Pinang Cipete
    Utara", one "Jl. Raya Pondok Gede", another "Pondok Gede". Titles, positions and generic
    place words are passed over ("Jl. Jend. Ahmad Yani", "depan Perumahan Taman Sunter
    Agung"), and the word is kept as its skeleton, so a vowel typo still meets its street.
    """
    generic, skip = similarity.generic_place_words(), similarity.skipped_place_words()
    for word in (street_key or similarity.street_key(landmark)).split():
        if len(word) >= 3 and not word.isdigit() and word not in skip and word not in generic:
            return similarity.skeleton(word)[:64]
    rw = _RW.search(rt_rw)  # the normalizer writes "RT 009/RW 006"; the RW is the block
    return f"{kelurahan_code} rw {int(rw.group(1))}" if kelurahan_code and rw else ""


def keys_of(
    description: str, address_text: str, street: str, landmark: str, kelurahan_code: str,
    rt_rw: str, lat: float | None, lon: float | None,
) -> dict[str, Any]:  # fmt: skip
    """The dedupe columns of a report (Report.problem, street_key, place_key, geo_cell)."""
    street_key = similarity.street_key(street)
    return {
        "problem": _capped(similarity.stored_problem(description, address_text)),
        "street_key": street_key[:255],
        "place_key": place_key(street_key, landmark, kelurahan_code, rt_rw),
        "geo_cell": cell_of(lat, lon) if lat is not None and lon is not None else None,
    }


def _capped(problem: str) -> str:
    """problem cut to PROBLEM_MAX characters at a word boundary."""
    return problem if len(problem) <= PROBLEM_MAX else problem[: PROBLEM_MAX + 1].rsplit(" ", 1)[0]


#: The columns keys_of reads, in its order.
_KEY_SOURCES = ("description", "address_text", "street", "landmark", "kelurahan_code", "rt_rw",
                "lat", "lon")  # fmt: skip


def report_keys(report: Any) -> dict[str, Any]:
    """keys_of a stored report, or of a row with its columns (an admin's correction, a rekey)."""
    return keys_of(*(getattr(report, name) for name in _KEY_SOURCES))


def lock_keys(report: Report) -> list[str]:
    """The blocks a report falls in, as advisory-lock names (pipeline.db.block_lock)."""
    keys = [f"kel:{report.kelurahan_code or '-'}"]
    if report.kecamatan_code:  # the kecamatan's unread-kelurahan block (ku), either side of it
        keys.append(f"ku:{report.kecamatan_code}")
    if report.place_key:
        keys.append(f"place:{report.place_key}")
    if report.lat is not None and report.lon is not None:
        keys += [f"cell:{cell}" for cell in near_cells(report.lat, report.lon)]
    if report.contact_id is not None:
        keys.append(f"contact:{report.contact_id}")
    elif report.conversation_id:
        keys.append(f"conv:{report.channel}:{report.conversation_id}")
    return keys


def _block(name: str, where: str, limit: int, own: bool, since: str = "since") -> str:
    """One block: an index range in recency order, cut at `limit`."""
    # Only fixed fragments and integers are formatted in; every value is a bound parameter.
    sql = f"SELECT * FROM (SELECT {COLUMNS}, {int(own)} AS own FROM report WHERE "  # noqa: S608
    sql += f"created_at >= :{since} AND {_OPEN} AND {where} "
    return sql + f"ORDER BY created_at DESC LIMIT {int(limit)}) AS {name}"


def _share(limit: int, part: int) -> int:
    """A block's share of the kelurahan + category limit: limit // part, at least 1.

    Every row read costs (an index step, a table row, a text score), and at 1M open reports
    every block is full: the shares keep a dense history's rows near 3x the limit in all.
    """
    return max(1, limit // part)


def _box(lat: float, lon: float) -> dict[str, float]:
    dlat = NEAR_M / 111_320
    dlon = dlat / max(0.1, math.cos(math.radians(lat)))
    return {"lat0": lat - dlat, "lat1": lat + dlat, "lon0": lon - dlon, "lon1": lon + dlon}


@lru_cache(maxsize=1024)
def _parts(mode: str, related: int, place: bool, kec: bool, cells: int, own: str, limit: int,
           unread: bool = False) -> tuple[str, ...]:  # fmt: skip
    """The SQL of every block of one shape (_shape), built once: only values change per report."""
    parts = []
    if mode == "any":  # no category to go by: the kelurahan's most recent reports of any
        parts.append(_block("kc", "kelurahan_code = :kel", limit, False))
    elif mode == "cat":
        parts.append(_block("kc", "kelurahan_code = :kel AND category = :cat", limit, False))
        # One problem is often filed under a neighbouring category (a blocked drain floods the
        # road; the classifier is ~88 % right): their recent reports get a sixth of the limit
        # each, the other categories together a tenth.
        for n in range(related):
            where = f"kelurahan_code = :kel AND category = :rel{n}"
            parts.append(_block(f"kr{n}", where, _share(limit, 6), False))
        other = "kelurahan_code = :kel AND category != :cat"
        parts.append(_block("ko", other, _share(limit, 10), False))
    if unread:
        # Open reports of the kecamatan whose kelurahan was never read (an admin's queue: a
        # typo, a landmark only): the kelurahan blocks cannot meet them. Walks the empty
        # kelurahan's range of ix_report_block, which holds few open rows.
        where = "kelurahan_code = '' AND kecamatan_code = :kec"
        where += " AND category = :cat" if mode == "cat" else ""
        parts.append(_block("ku", where, _share(limit, 6), False))
    if kec:
        # The same street, landmark or RW in the kecamatan, any category: the original in a busy
        # kelurahan is found when newer reports fill its block, and a street across a kelurahan
        # border (or a kelurahan misread as its neighbour) still meets them.
        where = "kecamatan_code = :kec AND place_key = :place"
        parts.append(_block("pl", where, _share(limit, 2), False))
    if place:
        # The same street anywhere: a typo in the kelurahan name leaves one report without an
        # area, or resolves it to a namesake elsewhere (Pegangsaan / Pegangsaan Dua).
        parts.append(_block("pa", "place_key = :place", _share(limit, 6), False))
    box = "lat BETWEEN :lat0 AND :lat1 AND lon BETWEEN :lon0 AND :lon1"
    for n in range(cells):
        # The cell's most recent pins of the category inside the box (ix_report_geo holds the
        # pin: the box is tested on index entries, a table row is read only inside it).
        where = f"geo_cell = :cell{n} AND category = :cat AND {box}"
        parts.append(_block(f"g{n}", where, _share(limit, 6), False))
    if own:
        same = "contact_id = :contact"
        if own == "conv":
            same = "channel = :channel AND conversation_id = :conv"
        parts.append(_block("own", same, OWN_LIMIT, True, since="own_since"))
    return tuple(parts)


def _plan(report: Report, settings: TriageSettings) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The report's shape (what its blocks' SQL depends on: _parts) and the blocks' values."""
    kel, cat, now = report.kelurahan_code, report.category, utcnow()
    mode = "" if not kel else "any" if cat == "lainnya" else "cat"
    related = RELATED_CATEGORIES.get(cat, ("lainnya",)) if mode == "cat" else ()
    own = "contact" if report.contact_id is not None else "conv" if report.conversation_id else ""
    params: dict[str, Any] = {  # names a shape does not use are left out when it runs
        "rid": report.id or 0, "kel": kel, "cat": cat, "place": report.place_key,
        "kec": report.kecamatan_code, "contact": report.contact_id, "channel": report.channel,
        "conv": report.conversation_id, "since": now - timedelta(days=settings.window_days),
        "own_since": now - timedelta(hours=settings.same_citizen_window_h),
    }  # fmt: skip
    params |= {f"rel{n}": related_cat for n, related_cat in enumerate(related)}
    cells: list[int] = []
    if report.lat is not None and report.lon is not None:
        cells = near_cells(report.lat, report.lon)
        params |= _box(report.lat, report.lon) | {f"cell{n}": c for n, c in enumerate(cells)}
    place = bool(report.place_key)
    kec = place and bool(report.kecamatan_code)
    unread = bool(kel) and bool(report.kecamatan_code)
    shape = (mode, len(related), place, kec, len(cells), own, settings.max_candidates, unread)
    return shape, params


def blocks(report: Report, settings: TriageSettings) -> tuple[list[str], dict[str, Any]]:
    """The SQL of every block the report falls in, and their parameters."""
    shape, params = _plan(report, settings)
    return list(_parts(*shape)), params


def blocked_rows(session: Session, report: Report, settings: TriageSettings) -> list[Any]:
    """Rows of every block (COLUMNS + `own`), once each; `own` rows are the citizen's own."""
    shape, params = _plan(report, settings)
    if not (parts := _parts(*shape)):
        return []
    rows: dict[int, Any] = {}
    for row in block_query.fetch(session, parts, params):
        if row.id not in rows or row.own:
            rows[row.id] = row
    return _with_text(session, list(rows.values()))


def _with_text(session: Session, rows: list[Any]) -> list[Any]:
    """Rows stored before their keys (problem NULL) get their raw text, for dedupe to key."""
    unkeyed = [row.id for row in rows if row.problem is None]
    if not unkeyed:
        return rows
    table = Report.__table__  # type: ignore[attr-defined]
    query = select(table.c.id, table.c.description, table.c.address_text, table.c.street)
    texts = {r.id: r for r in session.connection().execute(query.where(table.c.id.in_(unkeyed)))}
    return [
        row._replace(
            description=texts[row.id].description,
            address_text=texts[row.id].address_text,
            street=texts[row.id].street,
        )
        if row.id in texts
        else row
        for row in rows
    ]
