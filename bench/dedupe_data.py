"""Data for bench/dedupe.py: a skewed open-report history, new reports, the labelled pairs."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any

from connectors.contract import InboundMessage, Location, Sender
from intake.synth import CLOSERS, OPENERS, PROBLEMS, STREET_NAMES, STREETS
from normalizers import gazetteer
from normalizers.report import ReportDraft, build_draft
from pipeline.blocking import keys_of

ROOT = Path(__file__).resolve().parent.parent
PAIRS_FILE = ROOT / "tests" / "pipeline" / "data" / "dedupe_pairs.jsonl"
#: Held-out pairs (ids "h..."): never tune thresholds on these, only report them.
HOLDOUT_FILE = ROOT / "tests" / "pipeline" / "data" / "dedupe_pairs_holdout.jsonl"
#: Fresh pairs (ids "f..."), written apart from the code and never looked at while tuning.
FRESH_FILE = ROOT / "tests" / "pipeline" / "data" / "dedupe_pairs_fresh.jsonl"
DEV_SET = ROOT / "tests" / "data" / "dev_set.jsonl"
ZIPF_S = 0.9  # kelurahan skew: the densest gets ~12 % of reports, the median ~0.2 %
#: Share of each category (the first four dominate Jakarta's complaint channels).
CATEGORY_WEIGHTS = {
    "jalan_rusak": 20,
    "sampah": 18,
    "saluran_air": 12,
    "banjir": 10,
    "parkir_liar": 10,
    "pju": 8,
    "pohon": 5,
    "trotoar": 5,
    "pkl": 5,
    "kebisingan": 3,
    "fasilitas_umum": 2,
    "pelayanan_publik": 1,
    "lainnya": 1,
}
#: State mix of the history: open ones, and a few closed that the filters must skip.
STATES = (("pushed", 78), ("needs_review", 10), ("ready", 4), ("rejected", 4), ("duplicate", 4))


@dataclass(frozen=True)
class Pair:
    """Two texts and whether they describe the same issue."""

    id: str
    same: bool
    kind: str
    a: ReportDraft
    b: ReportDraft


@lru_cache(maxsize=1)
def _dev_texts() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if not row["outside_jakarta"]:
            texts.setdefault(row["category"], []).append(row["text"])
    return texts


def _kelurahan_weights(seed: int) -> tuple[list[gazetteer.Area], list[float]]:
    areas = list(gazetteer.KELURAHAN)
    random.Random(seed).shuffle(areas)
    return areas, [1 / (rank + 1) ** ZIPF_S for rank in range(len(areas))]


def _text(rng: random.Random, category: str, street: str, rt_rw: str, kel: str) -> str:
    real = _dev_texts().get(category)
    if real and rng.random() < 0.5:
        return rng.choice(real)
    problem = rng.choice(PROBLEMS.get(category) or [category.replace("_", " ") + " bermasalah"])
    return f"{rng.choice(OPENERS)}{problem} di {street} {rt_rw}, Kel. {kel}.{rng.choice(CLOSERS)}"


def _place(rng: random.Random, kel: gazetteer.Area) -> dict[str, Any]:
    street = f"{rng.choice(STREETS)} {rng.choice(STREET_NAMES)}"
    rt_rw = f"RT {rng.randint(1, 15):02d}/RW {rng.randint(1, 12):02d}"
    kec = gazetteer.area(kel.kecamatan_code)
    pinned = kel.lat is not None and rng.random() < 0.4
    return {
        "street": street,
        "rt_rw": rt_rw,
        "address_text": f"{street}, {rt_rw}, Kel. {kel.name}, Kec. {kec.name}",
        "lat": round((kel.lat or 0) + rng.uniform(-0.004, 0.004), 6) if pinned else None,
        "lon": round((kel.lon or 0) + rng.uniform(-0.004, 0.004), 6) if pinned else None,
    }


#: Report columns the history fills, in INSERT order (the rest keep their server defaults).
HISTORY_COLUMNS = [
    "reference",
    "inbox_message_id",
    "channel",
    "conversation_id",
    "state",
    "reasons",
    "description",
    "original_text",
    "language",
    "address_text",
    "street",
    "rt_rw",
    "landmark",
    "kota_code",
    "kecamatan_code",
    "kelurahan_code",
    "kelurahan_name",
    "location_confidence",
    "lat",
    "lon",
    "location_source",
    "category",
    "category_confidence",
    "opd",
    "emergency",
    "confidential",
    "anonymous",
    "photo_count",
    "tracking_number",
    "crm_id",
    "crm_status",
    "info_requests",
    "candidates",
    "normalized",
    "created_at",
    "updated_at",
    "state_changed_at",
    "problem",
    "street_key",
    "place_key",
    "geo_cell",
]
INSERT_HISTORY = (
    f"INSERT INTO report ({', '.join(HISTORY_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in HISTORY_COLUMNS)})"
)


def history_rows(size: int, now: datetime, span_days: float, seed: int) -> Iterator[tuple]:
    """`size` report rows (HISTORY_COLUMNS order, SQLite storage formats), over span_days."""
    rng = random.Random(seed)
    areas, weights = _kelurahan_weights(seed)
    kels = rng.choices(areas, cum_weights=list(accumulate(weights)), k=size)
    cats = rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()), k=size)
    states = rng.choices([s for s, _ in STATES], [w for _, w in STATES], k=size)
    run = uuid.uuid4().hex[:6].upper()
    naive_now = now.replace(tzinfo=None)  # SQLite keeps naive UTC (pipeline.models)
    for index, (kel, category, state) in enumerate(zip(kels, cats, states, strict=True)):
        place = _place(rng, kel)
        stamp = str(naive_now - timedelta(seconds=rng.uniform(0, span_days * 86_400)))
        text = _text(rng, category, place["street"], place["rt_rw"], kel.name)
        pushed = state == "pushed"
        keys = keys_of(
            text, place["address_text"], place["street"], "", kel.code, place["rt_rw"],
            place["lat"], place["lon"],
        )  # fmt: skip
        yield (
            f"IN-{run}{index:08d}", index + 1, "twilio", f"warga-{rng.randrange(size // 3 + 1)}",
            state, "[]", text, text, "id", place["address_text"], place["street"],
            place["rt_rw"], "", kel.kota_code, kel.kecamatan_code, kel.code, kel.name, 0.9,
            place["lat"], place["lon"], "text", category, 0.8, "", "", False, False, 1,
            f"B{index:08d}" if pushed else "", "",
            "Selesai" if pushed and rng.random() < 0.1 else "", 0, "[]",
            f'{{"missing": ["photo"], "area": {{"kelurahan_code": "{kel.code}"}}}}',
            stamp, stamp, stamp, *keys.values(),
        )  # fmt: skip


def _draft(text: str, loc: list[float] | None) -> ReportDraft:
    location = Location(lat=loc[0], lon=loc[1], source="shared") if loc else None
    msg = InboundMessage(
        channel="twilio",
        external_id=uuid.uuid4().hex,
        text=text,
        sender=Sender(handle="bench"),
        location=location,
    )
    return build_draft(msg)


def _read_pairs(path: Path) -> list[Pair]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        a, b = _draft(row["a"], row.get("a_loc")), _draft(row["b"], row.get("b_loc"))
        pairs.append(Pair(row["id"], row["same"], row["kind"], a, b))
    return pairs


def labelled_pairs() -> list[Pair]:
    """tests/pipeline/data/dedupe_pairs.jsonl (the thresholds were tuned on it), normalized."""
    return _read_pairs(PAIRS_FILE)


def holdout_pairs() -> list[Pair]:
    """tests/pipeline/data/dedupe_pairs_holdout.jsonl (never tuned on), both sides normalized."""
    return _read_pairs(HOLDOUT_FILE)


def fresh_pairs() -> list[Pair]:
    """tests/pipeline/data/dedupe_pairs_fresh.jsonl, both sides normalized."""
    return _read_pairs(FRESH_FILE)


#: The fresh set's first half (f001-f080) is a development set (its misses were read to choose
#: fixes); its second half (f081-f160) is never inspected: bench/dedupe.py reports it apart.
FRESH_INSPECTED_LAST = 80


def fresh_split() -> tuple[list[Pair], list[Pair]]:
    """The fresh set as (inspected half, untouched half)."""
    pairs = fresh_pairs()
    fit = [p for p in pairs if int(p.id[1:]) <= FRESH_INSPECTED_LAST]
    return fit, [p for p in pairs if int(p.id[1:]) > FRESH_INSPECTED_LAST]


def new_messages(count: int, seed: int, skew_seed: int) -> list[ReportDraft]:
    """New reports drawn like the history (skew_seed: its skew), normalized as the pipeline."""
    rng = random.Random(seed)
    areas, weights = _kelurahan_weights(skew_seed)
    categories, cat_weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    drafts = []
    for _ in range(count):
        kel = rng.choices(areas, weights)[0]
        category = rng.choices(categories, cat_weights)[0]
        place = _place(rng, kel)
        text = _text(rng, category, place["street"], place["rt_rw"], kel.name)
        loc = [place["lat"], place["lon"]] if place["lat"] is not None else None
        drafts.append(_draft(text, loc))
    return drafts
