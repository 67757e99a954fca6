"""Is a news article about a public complaint in Jakarta? Keywords plus a gazetteer match (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from normalizers import gazetteer

# Words Indonesian news use when citizens complain about a public service or facility
# (the CRM's own categories: roads, drainage/flooding, waste, lighting, parking, permits,
# extortion). Matched on folded text as whole words or phrases.
COMPLAINT_WORDS = (
    "keluhan",
    "mengeluh",
    "mengeluhkan",
    "dikeluhkan",
    "keluhkan",
    "aduan",
    "pengaduan",
    "mengadu",
    "protes",
    "memprotes",
    "resah",
    "meresahkan",
    "warga kesal",
    "dilaporkan warga",
    "jalan rusak",
    "jalan berlubang",
    "berlubang",
    "banjir",
    "genangan",
    "tergenang",
    "saluran tersumbat",
    "got mampet",
    "drainase",
    "sampah menumpuk",
    "tumpukan sampah",
    "bau busuk",
    "lampu jalan mati",
    "pju mati",
    "penerangan jalan",
    "parkir liar",
    "pedagang kaki lima",
    "pkl",
    "trotoar",
    "pungli",
    "pungutan liar",
    "macet",
    "kemacetan",
    "pohon tumbang",
    "air bersih",
    "pam mati",
    "tidak diperbaiki",
    "belum diperbaiki",
    "terbengkalai",
    "rusak parah",
    "krisis air",
)
# Names that place an article in DKI Jakarta without a kelurahan or kecamatan name.
JAKARTA_WORDS = (
    "jakarta",
    "dki",
    "kepulauan seribu",
    "pemprov dki",
    "balai kota",
    "jaki",
    "jakpus",
    "jakut",
    "jakbar",
    "jaksel",
    "jaktim",
)
# Kelurahan and kecamatan names that are also ordinary words or places elsewhere: on their
# own they do not make an article about Jakarta.
_AMBIGUOUS = {
    # ordinary Indonesian words: "perahu karet", "rambutan", "gunung", "tengah", "baru" ...
    "baru",
    "bangka",
    "bungur",
    "dukuh",
    "galur",
    "gedong",
    "gelora",
    "gunung",
    "jati",
    "joglo",
    "kamal",
    "kapuk",
    "karet",
    "kartini",
    "kenari",
    "makasar",
    "rambutan",
    "selong",
    "serdang",
    "setu",
    "susukan",
    "tangki",
    "tengah",
    "ceger",
    "pekayon",
    "cibubur",
    # places of the same name outside DKI (Bekasi, Tangerang, Depok, Bogor) or everyday words
    "bintaro",
    "gambir",
    "koja",
    "pasar baru",
    "kota bambu",
    "duri",
    "cilandak",
    "kebon jeruk",
    "pasar minggu",
    "pademangan",
    "tanah tinggi",
    "harapan mulya",
    "cempaka baru",
    "senen",
    "kramat",
    "pluit",
    "utan kayu",
    "kayu putih",
    "pulo",
    "ancol",
    "kemang",
    "jatimulya",
    "harapan jaya",
    "pondok kelapa",
    "pondok labu",
    "bambu apus",
}


@dataclass(frozen=True)
class Relevance:
    """Why an article was kept: complaint words found and the Jakarta places named."""

    complaint_words: tuple[str, ...]
    places: tuple[str, ...]

    @property
    def relevant(self) -> bool:
        """Kept when it names a complaint and places it in Jakarta."""
        return bool(self.complaint_words) and bool(self.places)


@cache
def _place_names() -> dict[str, str]:
    """Compact form ('kramatjati') -> folded name ('kramatjati' / 'duri kosambi')."""
    names: dict[str, str] = {}
    ambiguous = {n.replace(" ", "") for n in _AMBIGUOUS}
    for kota in ("31.01", "31.71", "31.72", "31.73", "31.74", "31.75"):
        for kel in gazetteer.kelurahan_in(kota):
            for name in (kel.name, gazetteer.area(kel.kecamatan_code).name):
                folded = gazetteer.fold(name)
                key = folded.replace(" ", "")
                if len(key) > 3 and key not in ambiguous:
                    names[key] = folded
    return names


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b({alternatives})\b")


@cache
def _complaint_pattern(extra: tuple[str, ...]) -> re.Pattern[str]:
    return _pattern(tuple(gazetteer.fold(w) for w in COMPLAINT_WORDS + extra))


_JAKARTA = _pattern(JAKARTA_WORDS)


def _places(folded: str) -> list[str]:
    # Names are written with or without spaces ("Kramat Jati", "Kramatjati", "Pulo Gadung"):
    # compare runs of up to three words with the spaces taken out.
    words = folded.split()
    names = _place_names()
    found = [m.group(1) for m in _JAKARTA.finditer(folded)]
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            key = "".join(words[i : i + size])
            if key in names:
                found.append(names[key])
    return found


def assess(text: str, extra_keywords: tuple[str, ...] = ()) -> Relevance:
    """Complaint words and Jakarta places found in an article (title and body)."""
    folded = gazetteer.fold(text)
    pattern = _complaint_pattern(extra_keywords)
    words = tuple(dict.fromkeys(m.group(1) for m in pattern.finditer(folded)))
    places = tuple(dict.fromkeys(_places(folded)))
    return Relevance(complaint_words=words[:10], places=places[:10])
