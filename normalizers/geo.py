"""Coordinates (shared location, tweet place, photo EXIF) -> Jakarta kelurahan, by nearest centroid.

No kelurahan polygons ship with any PyPI package we could use, so a point is given the
kelurahan whose centroid (cahyadsn/wilayah_boundaries, MIT) is nearest. Near a kelurahan
border that can be the neighbour; the confidence says so. A point much farther from its
nearest centroid than that kelurahan's neighbours are from each other is flagged as outside
DKI Jakarta.
"""

from __future__ import annotations

import math

from normalizers import gazetteer as gz
from normalizers.address_score import candidate
from normalizers.area import AreaMatch

EARTH_KM = 6371.0
# Jakarta and Kepulauan Seribu, generously: anything outside is not ours without looking further.
BOUNDS = (-6.45, -5.15, 106.30, 107.05)  # south, north, west, east
OUTSIDE_RATIO = 1.35  # distance to nearest centroid / that kelurahan's neighbour spacing
BORDER_RATIO = 1.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance; exact enough at city scale."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return EARTH_KM * math.hypot(x, math.radians(lat2 - lat1))


def _points() -> tuple[tuple[str, float, float], ...]:
    return tuple(
        (k.code, k.lat, k.lon) for k in gz.KELURAHAN if k.lat is not None and k.lon is not None
    )


_POINTS = _points()


def _spacing() -> dict[str, float]:
    """Mean distance from each centroid to its three nearest neighbours: the local scale."""
    out = {}
    for code, lat, lon in _POINTS:
        near = sorted(distance_km(lat, lon, la, lo) for c, la, lo in _POINTS if c != code)[:3]
        out[code] = sum(near) / len(near)
    return out


_SPACING = _spacing()


def _nearest(lat: float, lon: float, n: int = 3) -> list[tuple[float, str]]:
    return sorted((distance_km(lat, lon, la, lo), code) for code, la, lo in _POINTS)[:n]


def _fill(match: AreaMatch, code: str) -> None:
    kel = gz.AREAS[code]
    kec, kota = gz.AREAS[kel.kecamatan_code], gz.AREAS[kel.kota_code]
    match.kota_code, match.kota_name = kota.code, kota.name
    match.kecamatan_code, match.kecamatan_name = kec.code, kec.name
    match.kelurahan_code, match.kelurahan_name, match.postal_code = (
        kel.code,
        kel.name,
        kel.postal_code,
    )


def locate(lat: float, lon: float) -> AreaMatch:
    """The kelurahan a point falls in (nearest centroid), or outside_jakarta=True."""
    match = AreaMatch(source="geo", has_address=True)
    south, north, west, east = BOUNDS
    if not (south <= lat <= north and west <= lon <= east):
        match.outside_jakarta = True
        return match
    nearest = _nearest(lat, lon)
    (d1, code), (d2, _) = nearest[0], nearest[1]
    ratio = d1 / _SPACING[code]
    if ratio > OUTSIDE_RATIO:
        match.outside_jakarta = True
        return match
    _fill(match, code)
    margin = (d2 - d1) / (d2 + d1) if d2 + d1 else 1.0
    confidence = 0.55 + 0.8 * margin
    if ratio > BORDER_RATIO:  # near the edge of Jakarta: it may already be Depok, Bekasi, Tangerang
        confidence -= 0.2
    match.confidence = round(max(0.3, min(confidence, 0.9)), 2)
    if match.confidence < 0.8:
        match.candidates = [candidate(c, 1.0 - d / (d1 + d2 + 1e-9)) for d, c in nearest]
    return match
