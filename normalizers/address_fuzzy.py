"""Typo-tolerant area names: 'Pengilingan' -> Penggilingan, 'Meruya Seltan' -> Meruya Selatan."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from normalizers import gazetteer as gz
from normalizers.address_detail import KEC_MARKERS, KEL_MARKERS, STREET_STOP

PLACE_PREPS = frozenset({"di", "daerah", "kawasan", "sekitar", "area", "wil", "lokasi"})
MARKER_WORDS = KEL_MARKERS | KEC_MARKERS
# After "Kel."/"Kec." the writer says an area follows, so a looser match is safe there; after
# "di" only when nothing in the text matched exactly (the original, narrow rule).
MARKED_CUTOFF, PREP_CUTOFF = 85, 90
# Anywhere else a name must be long (short names sit too close to everyday words: "Pulo",
# "Cawang"), score high, differ from the name by at most two letters of length, and beat the
# next-best name clearly (a typo halfway between two names is not evidence for either).
# fuzz.ratio is the normalized Indel similarity (rapidfuzz docs, fuzz.ratio).
FREE_CUTOFF = 88.0
MIN_LETTERS = 8
MAX_LENGTH_GAP = 2
RUNNER_UP_GAP = 6.0
MAX_WINDOW = 3


@dataclass(frozen=True, slots=True)
class Typo:
    """A misspelt area name: words start..end read as `codes`, announced by `marker` if any."""

    start: int
    end: int
    codes: tuple[str, ...]
    marker: str  # kelurahan | kecamatan | ""
    score: float


def _level_blocks(level: str) -> dict[str, dict[str, str]]:
    """Names of one level by first letter: a typo rarely hits the first letter."""
    out: dict[str, dict[str, str]] = {}
    group = gz.KELURAHAN if level == "kelurahan" else gz.KECAMATAN
    for area in group:
        key = gz.compact(area.name)
        # rapidfuzz compares a mapping's values and returns (value, score, key): code -> name.
        out.setdefault(key[0], {})[area.code] = key
    return out


def _free_blocks() -> dict[tuple[str, int], tuple[str, ...]]:
    """Every indexed name of MIN_LETTERS or more, by its first and by its last three letters.

    A typo rarely touches both ends of a name ('lobang buaya', 'pengilingan', 'kebun jeruk'), and
    these small blocks keep the pass cheap (DESIGN: rapidfuzz costs 4-7 us per candidate).
    """
    out: dict[tuple[str, int], set[str]] = defaultdict(set)
    for key in gz.NAME_INDEX:
        if len(key) < MIN_LETTERS or key in gz.COMMON_WORD_NAMES:
            continue
        for size in range(len(key) - MAX_LENGTH_GAP, len(key) + MAX_LENGTH_GAP + 1):
            out[("<" + key[:3], size)].add(key)  # keyed by the query's length: one lookup
            out[(key[-3:] + ">", size)].add(key)
    return {k: tuple(sorted(v)) for k, v in out.items()}


_FREE_BLOCKS = _free_blocks()
_LONGEST = max(size for _, size in _FREE_BLOCKS)
_LEVEL_BLOCKS = {"kelurahan": _level_blocks("kelurahan"), "kecamatan": _level_blocks("kecamatan")}


def _windows(
    words: list[str], breaks: set[int], start: int, taken: set[int]
) -> Iterator[tuple[int, str]]:
    """(n, compact text) of the 1..MAX_WINDOW words from `start` that stay inside one clause."""
    for n in range(1, MAX_WINDOW + 1):
        end = start + n
        if end > len(words) or (n > 1 and (end - 1 in breaks or end - 1 in taken)):
            return
        yield n, "".join(words[start:end])


def _marked_one(
    words: list[str], breaks: set[int], start: int, level: str, cutoff: int
) -> tuple[str, float, int] | None:
    """(code, score, n words) of the best match of one level starting at `start`, or None."""
    best: tuple[str, float, int] | None = None
    choices = _LEVEL_BLOCKS[level].get(words[start][0], {})
    for n, query in _windows(words, breaks, start, set()):
        if len(query) < 5:
            continue
        res = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        if res and (best is None or res[1] > best[1]):
            best = (res[2], res[1], n)
    return best


def marked_typos(words: list[str], breaks: set[int], taken: set[int], named: bool) -> list[Typo]:
    """Typos right after 'Kel./Kec.', or after 'di' when the text named no area exactly."""
    found: list[Typo] = []
    for i, w in enumerate(words[:-1]):
        start = i + 1
        if start in taken or len(words[start]) < 3:
            continue
        if w in MARKER_WORDS:
            levels = ("kelurahan",) if w in KEL_MARKERS else ("kecamatan",)
            cutoff, marked = MARKED_CUTOFF, True
        elif w in PLACE_PREPS and not named:
            levels, cutoff, marked = ("kelurahan", "kecamatan"), PREP_CUTOFF, False
        else:
            continue
        for level in levels:
            best = _marked_one(words, breaks, start, level, cutoff)
            if best:
                marker = level if marked else ""
                found.append(Typo(start, start + best[2], (best[0],), marker, best[1]))
                break
    return found


def _free_best(query: str) -> tuple[str, float] | None:
    """The one indexed name `query` is a typo of, or None when none or two are close."""
    size = len(query)
    head = _FREE_BLOCKS.get(("<" + query[:3], size), ())
    tail = _FREE_BLOCKS.get((query[-3:] + ">", size), ())
    if not (head or tail) or query in gz.NAME_INDEX:
        return None
    choices = head if not tail else tail if not head else set(head).union(tail)
    top = process.extract(
        query, choices, scorer=fuzz.ratio, limit=2, score_cutoff=FREE_CUTOFF - RUNNER_UP_GAP
    )
    if not top or top[0][1] < FREE_CUTOFF or len(top) > 1 and top[0][1] - top[1][1] < RUNNER_UP_GAP:
        return None
    return top[0][0], top[0][1]


def free_typos(words: list[str], breaks: set[int], taken: set[int]) -> list[Typo]:
    """Long area names misspelt anywhere in the text ('duri kosambhi', 'Kemangisan Palmerah')."""
    found: list[Typo] = []
    i = 0
    while i < len(words):
        if i in taken or words[i] in STREET_STOP or len(words[i]) < 3:
            i += 1
            continue
        best: tuple[int, str, float] | None = None
        query = ""
        for end in range(i + 1, min(i + MAX_WINDOW, len(words)) + 1):
            if end - 1 > i and (end - 1 in breaks or end - 1 in taken):
                break
            word = words[end - 1]
            if end - 1 > i and (len(word) < 3 or word in STREET_STOP) or not word.isalpha():
                break  # "Kebagusan 1", "Batu Ampar RT", "Cempedak IV": the name has ended
            query += word
            if len(query) > _LONGEST:
                break
            hit = _free_best(query) if len(query) >= MIN_LETTERS else None
            if hit and (best is None or hit[1] > best[2]):
                best = (end - i, hit[0], hit[1])
        if best:
            found.append(Typo(i, i + best[0], gz.NAME_INDEX[best[1]], "", best[2]))
            i += best[0]
        else:
            i += 1
    return found


def refined(
    words: list[str], breaks: set[int], start: int, end: int, codes: tuple[str, ...]
) -> Typo | None:
    """'Meruya Seltan': a name read as several areas ('Meruya') narrowed by a misspelt next word."""
    if len(codes) < 2 or end >= len(words) or end in breaks:
        return None
    hit = _free_best("".join(words[start : end + 1]))
    narrowed = gz.NAME_INDEX[hit[0]] if hit else ()
    if narrowed and set(narrowed) < set(codes):
        return Typo(start, end + 1, narrowed, "", hit[1] if hit else 0.0)
    return None
