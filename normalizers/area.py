"""The shape of a resolved location, shared by address.py, geo.py and report.py."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class AreaMatch:
    """An address resolved to Kemendagri areas, with how sure we are (0-1)."""

    kota_code: str = ""
    kota_name: str = ""
    kecamatan_code: str = ""
    kecamatan_name: str = ""
    kelurahan_code: str = ""
    kelurahan_name: str = ""
    street: str = ""
    rt_rw: str = ""
    landmark: str = ""
    confidence: float = 0.0
    has_address: bool = False
    outside_jakarta: bool = False
    candidates: list[dict[str, object]] = field(default_factory=list)
    postal_code: str = ""
    source: str = ""  # text | geo | "" (nothing found)
    outside_region: str = ""  # e.g. "Kota Depok" when outside_jakarta
