"""Synthetic complaint messages in Indonesian complaint phrasing, for demos, benches and load tests.

Not training data: the templates paraphrase how citizens write to @DKIJakarta and the CRM
channels (see shared/seeds/) across every kelurahan and category, with the usual noise.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from normalizers import gazetteer

PROBLEMS: dict[str, list[str]] = {
    "jalan_rusak": [
        "jalan berlubang cukup dalam",
        "aspal rusak parah dan bergelombang",
        "jalan amblas di dekat gorong-gorong",
        "lubang besar di tengah jalan",
    ],
    "sampah": [
        "tumpukan sampah tidak diangkut sejak 3 hari",
        "sampah menumpuk dan bau busuk",
        "TPS liar di pinggir jalan",
    ],
    "banjir": ["genangan air setinggi lutut setelah hujan", "banjir masuk ke rumah warga"],
    "saluran_air": ["saluran air mampet penuh lumpur", "got tersumbat sampah, air meluap"],
    "parkir_liar": ["parkir liar memakan badan jalan", "jukir liar di bahu jalan bikin macet"],
    "pju": ["lampu PJU mati sudah seminggu", "lampu jalan padam, gelap gulita malam hari"],
    "pohon": ["pohon besar rawan tumbang", "dahan pohon patah menimpa kabel"],
    "trotoar": ["trotoar rusak dan ubinnya lepas", "trotoar dipakai jualan, pejalan kaki turun"],
    "pkl": ["PKL berjualan di trotoar sampai malam", "lapak pedagang kaki lima menutup jalan"],
    "kebisingan": ["suara musik keras sampai tengah malam", "knalpot brong berisik tiap malam"],
}
OPENERS = [
    "",
    "Selamat pagi min, ",
    "Pak/Bu mohon dibantu, ",
    "Lapor min! ",
    "Assalamualaikum, ",
    "Permisi, ",
    "min tolong ",
]
CLOSERS = [
    "",
    " Mohon segera ditindaklanjuti.",
    " Terima kasih.",
    " Tolong dicek ya min.",
    " Sudah lapor RT tapi belum ada tindakan.",
    " #JakartaBebasBanjir",
]
STREETS = ["Jl. Raya", "Jalan", "Jl.", "Gg.", "Gang"]
STREET_NAMES = [
    "Melati",
    "Kenanga",
    "Masjid",
    "Haji Naim",
    "Swadaya",
    "Bhakti",
    "Mawar",
    "Pinang",
    "Manggis",
    "Kebon Sirih",
    "Kali Baru",
    "Merdeka",
    "Damai",
]
KOTA_ALIASES = {
    "31.71": ["Jakpus", "Jakarta Pusat"],
    "31.72": ["Jakut", "Jakarta Utara"],
    "31.73": ["Jakbar", "Jakarta Barat"],
    "31.74": ["Jaksel", "Jakarta Selatan"],
    "31.75": ["Jaktim", "Jakarta Timur"],
    "31.01": ["Kep. Seribu"],
}


def _typo(rng: random.Random, word: str) -> str:
    """Drop or swap one letter, as thumbs on a phone do."""
    if len(word) < 6:
        return word
    i = rng.randrange(1, len(word) - 2)
    return (
        word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if rng.random() < 0.5
        else (word[:i] + word[i + 1 :])
    )


def _address(rng: random.Random, kel: gazetteer.Area) -> str:
    kec = gazetteer.area(kel.kecamatan_code)
    kota = rng.choice(KOTA_ALIASES.get(kel.kota_code, [""]))
    kel_name = _typo(rng, kel.name) if rng.random() < 0.1 else kel.name
    street = f"{rng.choice(STREETS)} {rng.choice(STREET_NAMES)}"
    rt_rw = f"RT {rng.randint(1, 15):02d}/RW {rng.randint(1, 12):02d}"
    forms = [
        f"{street} {rt_rw}, Kel. {kel_name}, Kec. {kec.name}, {kota}",
        f"{street}, kelurahan {kel_name} kecamatan {kec.name}",
        f"di {street} {rt_rw} {kel_name} {kota}",
        f"{street} kel {kel_name.lower()} kec {kec.name.lower()}",
    ]
    return rng.choice(forms)


def message(rng: random.Random, index: int, start: datetime) -> dict[str, Any]:
    """One message as a replay line (complete most of the time, like real traffic)."""
    kel = rng.choice(gazetteer.KELURAHAN)
    category = rng.choice(list(PROBLEMS))
    problem = rng.choice(PROBLEMS[category])
    text = f"{rng.choice(OPENERS)}{problem} {_address(rng, kel)}.{rng.choice(CLOSERS)}"
    line: dict[str, Any] = {
        "external_id": f"synth-{index:07d}",
        "received_at": (start + timedelta(seconds=index * 7)).isoformat(),
        "sender": {"handle": f"warga-{rng.randrange(10**6):06d}", "name": "Warga"},
        "text": text.strip(),
    }
    if kel.lat is not None and rng.random() < 0.4:
        line["location"] = {
            "lat": round(kel.lat + rng.uniform(-0.002, 0.002), 6),
            "lon": round((kel.lon or 0) + rng.uniform(-0.002, 0.002), 6),
        }
    return line


def generate(count: int, seed: int = 1708) -> Iterator[dict[str, Any]]:
    """`count` messages, deterministic for a seed."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for index in range(count):
        yield message(rng, index, start)
