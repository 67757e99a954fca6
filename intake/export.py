"""`intake export`: reports as JSON lines, personal data only on request."""

from __future__ import annotations

import json
from typing import TextIO

from sqlmodel import Session, select

from pipeline.db import get_engine
from pipeline.models import CitizenContact, Report

PUBLIC_FIELDS = (
    "reference",
    "channel",
    "state",
    "reasons",
    "description",
    "category",
    "opd",
    "kota_code",
    "kecamatan_code",
    "kelurahan_code",
    "kelurahan_name",
    "lat",
    "lon",
    "tracking_number",
    "crm_status",
    "duplicate_of",
    "created_at",
    "state_changed_at",
)


def export_reports(
    out: TextIO, *, states: list[str], include_contact: bool, batch: int = 1000
) -> int:
    """Stream reports in id order; returns how many were written."""
    written, last_id = 0, 0
    with Session(get_engine()) as session:
        while True:
            stmt = select(Report).where(Report.id > last_id).order_by(Report.id).limit(batch)  # type: ignore[arg-type,operator]
            if states:
                stmt = stmt.where(Report.state.in_(states))  # type: ignore[attr-defined]
            rows = session.exec(stmt).all()
            if not rows:
                return written
            for report in rows:
                record = {f: getattr(report, f) for f in PUBLIC_FIELDS}
                if include_contact and report.contact_id and not report.anonymous:
                    contact = session.get(CitizenContact, report.contact_id)
                    if contact:
                        record["contact"] = {
                            "channel": contact.channel,
                            "handle": contact.handle,
                            "name": contact.name,
                            "phone": contact.phone_e164,
                            "email": contact.email,
                        }
                out.write(json.dumps(record, default=str, ensure_ascii=False) + "\n")
                written += 1
            last_id = rows[-1].id or last_id
