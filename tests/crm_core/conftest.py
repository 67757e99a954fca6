"""Fixtures for the CRM core: a fresh core on a temporary SQLite file, with a settable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crm_core.records import NewRequest
from crm_core.service import CRMCore


class FakeClock:
    """A clock tests move forward by hand (SLA clocks are hours and days)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00 WIB

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def core(tmp_path: Path, clock: FakeClock) -> CRMCore:
    return CRMCore(f"sqlite:///{tmp_path / 'crm_core.db'}", clock=clock)


def pothole(key: str = "intake:rpt-000123") -> NewRequest:
    """A real-looking report: a pothole on Jl. Kramat Raya, Senen."""
    return NewRequest(
        idempotency_key=key,
        reference=key.removeprefix("intake:"),
        description="Jalan berlubang cukup dalam di depan halte Kramat, membahayakan pemotor.",
        category="jalan_rusak",
        opd="Dinas Bina Marga",
        channel="twitter",
        address="Jl. Kramat Raya, Kel. Kramat, Kec. Senen, Jakarta Pusat",
        kota_code="31.71",
        kecamatan_code="31.71.03",
        kelurahan_code="31.71.03.1005",
        kelurahan_name="Kramat",
        lat=-6.1862,
        lon=106.8446,
        photo_urls=("https://media.example.org/lubang-kramat.jpg",),
        contact_name="Warga Senen",
        contact_phone="+6281200000000",
    )


@pytest.fixture
def new_report():
    """Factory for reports with distinct idempotency keys."""
    return pothole
