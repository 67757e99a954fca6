"""Complaint category and responsible OPD, from one data table (data/categories.csv)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from normalizers.gazetteer import fold

TABLE = Path(__file__).parent / "data" / "categories.csv"
FALLBACK = "lainnya"
MIN_SCORE = 2.0  # below this no category is trusted


Weighted = dict[str, list[tuple[str, float]]]
Pairs = list[tuple[str, str, str, float]]


def _load() -> tuple[dict[str, str], Weighted, Pairs]:
    with TABLE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    opd = {r["category"]: r["opd"] for r in rows}
    phrases: Weighted = defaultdict(list)
    pairs: Pairs = []
    for r in rows:
        for item in filter(None, r["keywords"].split("|")):
            phrase, _, weight = item.partition(":")
            if "+" in phrase:
                first, second = (fold(w) for w in phrase.split("+", 1))
                pairs.append((first, second, r["category"], float(weight or 1)))
            else:
                phrases[fold(phrase)].append((r["category"], float(weight or 1)))
    return opd, phrases, pairs


OPD, _PHRASES, _PAIRS = _load()
CATEGORIES: tuple[str, ...] = tuple(OPD)
EARLY_WORDS, EARLY_BONUS = 12, 1.5  # the first thing named is usually the complaint itself
MAX_WORDS = max(len(p.split()) for p in _PHRASES)
_VOCAB = frozenset(w for p in _PHRASES for w in p.split())
_FIRST_WORDS = frozenset(p.split()[0] for p in _PHRASES)


def _base(word: str) -> str:
    """'jalannya' -> 'jalan', 'sampahnya' -> 'sampah' ("-nya" may follow any word)."""
    return word[:-3] if word.endswith("nya") and word[:-3] in _VOCAB else word


def scores(text: str) -> dict[str, float]:
    """Keyword weight per category; each phrase counts once however often it is repeated."""
    words = [_base(w) for w in fold(text).split()]
    total: dict[str, float] = defaultdict(float)
    seen: set[str] = set()
    i = 0
    while i < len(words):
        if words[i] not in _FIRST_WORDS:
            i += 1
            continue
        for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + n])
            if phrase in _PHRASES:
                break
        else:
            i += 1
            continue
        if phrase not in seen:
            seen.add(phrase)
            bonus = EARLY_BONUS if i < EARLY_WORDS else 1.0
            for category, weight in _PHRASES[phrase]:
                total[category] += weight * bonus
        i += n
    present = set(words)
    for first, second, category, weight in _PAIRS:
        if first in present and second in present:
            total[category] += weight
    return total


def classify(text: str) -> tuple[str, float, str]:
    """(category slug, confidence 0-1, responsible OPD); 'lainnya' when nothing fits."""
    ranked = sorted(scores(text).items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < MIN_SCORE:
        return FALLBACK, 0.3, OPD[FALLBACK]
    best, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    share = top / (top + runner_up)
    confidence = min(0.97, (0.45 + 0.06 * top) * (0.4 + 0.6 * share))
    return best, round(confidence, 2), OPD[best]
