"""Coordinates to kelurahan by nearest centroid, and points outside DKI Jakarta flagged."""

from __future__ import annotations

import pytest

from normalizers import gazetteer as gz
from normalizers.geo import locate


def test_every_centroid_maps_to_its_own_kelurahan() -> None:
    for kel in gz.KELURAHAN:
        assert kel.lat is not None and kel.lon is not None
        match = locate(kel.lat, kel.lon)
        assert match.kelurahan_code == kel.code
        assert not match.outside_jakarta


def test_point_in_central_jakarta() -> None:
    match = locate(-6.1754, 106.8272)  # Monas
    assert match.kelurahan_code == "31.71.01.1001"
    assert match.kecamatan_name == "Gambir"
    assert match.source == "geo"


@pytest.mark.parametrize(
    ("lat", "lon", "place"),
    [
        (-6.3900, 106.8300, "Depok, Margonda"),
        (-6.2355, 106.9925, "Bekasi city hall"),
        (-6.1783, 106.6319, "Tangerang"),
        (-6.1256, 106.6559, "Soekarno-Hatta airport"),
        (-6.9175, 107.6191, "Bandung"),
        (-6.2808, 106.7164, "Bintaro sektor 9, Tangerang Selatan"),
    ],
)
def test_points_outside_jakarta_are_flagged(lat: float, lon: float, place: str) -> None:
    match = locate(lat, lon)
    assert match.outside_jakarta, place
    assert match.kelurahan_code == ""


def test_kepulauan_seribu() -> None:
    match = locate(-5.7434, 106.6156)  # Pulau Pramuka, seat of the kabupaten
    assert match.kota_code == "31.01"
    assert not match.outside_jakarta
