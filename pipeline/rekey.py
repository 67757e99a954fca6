"""Recompute the stored dedupe keys of reports (after migration 0005, or a word-list change).

The keys (Report.problem, street_key, place_key, geo_cell) are computed when a report is stored,
from pipeline/data/complaint_words.txt and the stemmer; rows stored before migration 0005, or
before an edit of the word lists, carry old keys and meet new reports less well. Batches of rows
in id order, each batch one transaction, so a long run can be stopped and started again.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import bindparam, select, update

from pipeline import blocking
from pipeline.db import session_scope
from pipeline.models import Report

_REPORT = Report.__table__  # type: ignore[attr-defined]
_SOURCE = (  # the columns blocking.report_keys reads
    "description",
    "address_text",
    "street",
    "landmark",
    "kelurahan_code",
    "rt_rw",
    "lat",
    "lon",
)
_KEYS = ("problem", "street_key", "place_key", "geo_cell")


def rekey(
    open_only: bool = True, batch: int = 500, progress: Callable[[int], None] | None = None
) -> int:
    """Recompute the keys of open reports (every report with open_only=False); returns the count."""
    columns = [_REPORT.c.id, *(_REPORT.c[name] for name in _SOURCE)]
    states = [s.value for s in blocking.OPEN_STATES]
    stmt = (
        update(_REPORT)
        .where(_REPORT.c.id == bindparam("rid"))
        .values({k: bindparam(f"new_{k}") for k in _KEYS})  # a column's own name is reserved
    )
    done, last = 0, 0
    while True:
        query = select(*columns).where(_REPORT.c.id > last).order_by(_REPORT.c.id).limit(batch)
        if open_only:
            query = query.where(_REPORT.c.state.in_(states))
        with session_scope() as session:
            rows = session.execute(query).all()
            if not rows:
                return done
            values = [
                {"rid": row.id, **{f"new_{k}": v for k, v in blocking.report_keys(row).items()}}
                for row in rows
            ]
            session.execute(stmt, values)
        done, last = done + len(rows), rows[-1].id
        if progress:
            progress(len(rows))
