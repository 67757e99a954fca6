"""Complaint category and responsible OPD, from one data table (data/categories.csv)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from normalizers import gazetteer as gz
from normalizers.address_detail import SPELLED_MARKERS, ascii_fold, streets, tokenize
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


# Words after "karena/akibat/gara-gara" up to the next punctuation name the cause, not the
# complaint: "got mampet gara2 ranting pohon" is about the drain, not the tree.
CAUSE_WORDS = frozenset(
    {"karena", "krn", "karna", "akibat", "gara", "gara2", "garagara", "disebabkan", "sebab"}
    | {"lantaran", "imbas"}
)
CAUSE_FACTOR = 0.5
GREETINGS = frozenset(
    {"min", "admin", "pak", "bu", "kak", "mas", "mbak", "tolong", "mohon", "lapor"}
)


SHORT_FORMS = {"jl": "jalan", "jln": "jalan"}  # chat and address abbreviations of keywords


def _base(word: str) -> str:
    """'jalannya' -> 'jalan', 'gorong2' -> 'gorong', 'jln' -> 'jalan'."""
    # "-nya" may follow any word; chat writes a doubled word with a 2 ('bolong2' = 'bolong-bolong').
    if word.endswith("nya") and word[:-3] in _VOCAB:
        return word[:-3]
    if word.endswith("2") and word[:-1] in _VOCAB:
        return word[:-1]
    return SHORT_FORMS.get(word, word)


def _place_words(words: list[str], raw: list[str], breaks: set[int]) -> set[int]:
    """Positions inside street and area names ("Jl. Kali Pasir", "Lubang Buaya", "Kali Baru")."""
    places: set[int] = set()
    for span in streets(words, raw, breaks, {})[1]:
        marker = span.start - 1
        if words[marker] in SPELLED_MARKERS and f"jalan {words[span.start]}" in _PHRASES:
            continue  # "Jalan Bolong Di Depan Rumah": the common noun, capitalised
        places.update(span)
        opening = marker == 0 or marker in breaks or words[marker - 1] in GREETINGS
        if not opening:  # "Trotoar Jl. Lenteng Agung": the address; "Jl. Duri Raya berlubang"
            places.add(marker)  # opens the sentence: the street is what is complained about
    for i, first in enumerate(words):
        key = first
        for n in range(2, min(gz.MAX_NAME_WORDS, len(words) - i) + 1):
            key += words[i + n - 1]
            if i + n - 1 in breaks or key not in gz.NAME_PREFIXES:
                break
            if key in gz.NAME_INDEX and _VOCAB.intersection(words[i : i + n]):
                places.update(range(i, i + n))
    return places


def evidence(text: str) -> list[tuple[str, float]]:
    """Each word in its base form with the share it counts: 0 in a place name, half as a cause."""
    words, raw, breaks, joined = tokenize(ascii_fold(text))
    places = _place_words(words, raw, breaks)
    out: list[tuple[str, float]] = []
    cause = False
    for i, word in enumerate(words):
        if i in breaks and i not in joined:
            cause = False
        cause = cause or word in CAUSE_WORDS
        share = 0.0 if i in places else CAUSE_FACTOR if cause else 1.0
        out.append((_base(word), share))
    return out


def scores(text: str) -> dict[str, float]:
    """Keyword weight per category; each phrase counts once however often it is repeated."""
    found = evidence(text)
    words = [w if share else "" for w, share in found]  # a place name splits phrases
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
            share = min(s for _, s in found[i : i + n])
            for category, weight in _PHRASES[phrase]:
                total[category] += weight * bonus * share
        i += n
    first_seen: dict[str, tuple[int, float]] = {}
    for i, (word, share) in enumerate(found):
        if share and word not in first_seen:
            first_seen[word] = (i, share)
    for first, second, category, weight in _PAIRS:
        if first in first_seen and second in first_seen:
            (i, s1), (j, s2) = first_seen[first], first_seen[second]
            bonus = EARLY_BONUS if max(i, j) < EARLY_WORDS else 1.0
            total[category] += weight * bonus * min(s1, s2)
    return total


def classify(text: str) -> tuple[str, float, str]:
    """(category slug, confidence 0-1, responsible OPD); 'lainnya' when nothing fits."""
    ranked = sorted(((c, v) for c, v in scores(text).items() if v > 0), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < MIN_SCORE:
        return FALLBACK, 0.3, OPD[FALLBACK]
    best, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    share = top / (top + runner_up)
    confidence = min(0.97, (0.45 + 0.06 * top) * (0.4 + 0.6 * share))
    return best, round(confidence, 2), OPD[best]
