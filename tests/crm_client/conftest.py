"""Fixtures for CRM client tests: a real CRMCore on a temporary SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_client.base import CRMReport
from crm_core.api import create_app
from crm_core.serve import ServedApp
from crm_core.service import CRMCore


@pytest.fixture
def core(tmp_path: Path) -> CRMCore:
    return CRMCore(f"sqlite:///{tmp_path / 'crm_core.db'}")


@pytest.fixture
def report():
    """Factory: a flooded-street report as the pipeline would push it."""

    def make(reference: str = "rpt-20261123-0042", **changes: object) -> CRMReport:
        fields: dict[str, object] = {
            "idempotency_key": f"intake:{reference}",
            "reference": reference,
            "description": "Genangan air 40 cm di Jl. Kemang Raya depan sekolah sejak pagi.",
            "category": "banjir_genangan",
            "opd": "Dinas Sumber Daya Air",
            "channel": "telegram",
            "address": "Jl. Kemang Raya, Bangka, Mampang Prapatan, Jakarta Selatan",
            "kota_code": "31.74",
            "kecamatan_code": "31.74.07",
            "kelurahan_code": "31.74.07.1005",
            "kelurahan_name": "Bangka",
            "lat": -6.2606,
            "lon": 106.8136,
            "photo_urls": ["https://media.example.org/genangan-kemang.jpg"],
            "contact_name": "Siti Warga",
            "contact_phone": "+6281311112222",
            "contact_email": "warga@example.org",
        }
        fields.update(changes)
        return CRMReport(**fields)

    return make


API_KEY = "kunci-uji-crm"


@pytest.fixture
def served_core(core):
    """The core's standalone app (Open311 + officer API) over real HTTP."""
    with ServedApp(create_app(core, api_key=API_KEY)) as served:
        yield served
