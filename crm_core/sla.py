"""SLA clocks: coordinate within 6 hours, resolve within 7 days (Pergub 128/2017, SE Sekda 40/2019).

Source: shared/seeds/003 ("dinas terkait harus mengoordinasikan laporan warga dalam waktu maksimal
6 jam. Setelah itu, masalah harus selesai dalam waktu maksimal 7 hari"). Both clocks start when the
report enters the CRM (created_at): admin checks before entry are the intake's time, not the OPD's.
Coordination ends at the first move out of Menunggu; resolution ends at Selesai.
"""

from __future__ import annotations

from datetime import datetime, timedelta

COORDINATE_WITHIN = timedelta(hours=6)
RESOLVE_WITHIN = timedelta(days=7)
KOORDINASI = "koordinasi"
PENYELESAIAN = "penyelesaian"


def coordination_late(created_at: datetime, coordinated_at: datetime | None, now: datetime) -> bool:
    """True when coordination took (or is taking) longer than 6 hours."""
    return (coordinated_at or now) - created_at > COORDINATE_WITHIN


def resolution_late(created_at: datetime, resolved_at: datetime | None, now: datetime) -> bool:
    """True when resolution took (or is taking) longer than 7 days."""
    return (resolved_at or now) - created_at > RESOLVE_WITHIN


def sla_flags(
    created_at: datetime,
    coordinated_at: datetime | None,
    resolved_at: datetime | None,
    now: datetime,
) -> list[str]:
    """Names of the clocks this report has overrun, for flags on lists and the tracking page."""
    flags = []
    if coordination_late(created_at, coordinated_at, now):
        flags.append(KOORDINASI)
    if resolution_late(created_at, resolved_at, now):
        flags.append(PENYELESAIAN)
    return flags
