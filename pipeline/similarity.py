"""How alike two complaint texts are: the problem words compared apart from the place words."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, utils

WORDS_FILE = Path(__file__).parent / "data" / "complaint_words.txt"


@lru_cache(maxsize=1)
def _word_lists() -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
    """(variant -> canonical, stopwords, place words) from pipeline/data/complaint_words.txt."""
    table: dict[str, str] = {}
    lists: dict[str, set[str]] = {"@stop": set(), "@place": set()}
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        head, _, words = line.partition(":")
        if head in lists:
            lists[head].update(words.split())
            continue
        for variant in words.split():
            table[variant] = head.strip()
    return table, frozenset(lists["@stop"]), frozenset(lists["@place"])


def canonical_words() -> dict[str, str]:
    """Variant -> canonical word ("jln" -> "jalan", "padam" -> "mati")."""
    return _word_lists()[0]


def tokens(text: str) -> list[str]:
    """Lower-case words with abbreviations and synonyms folded ("jln" -> "jalan")."""
    table = canonical_words()
    return [table.get(word, word) for word in utils.default_process(text).split()]


def place_tokens(*places: str) -> frozenset[str]:
    """The words of stored address parts (street, RT/RW, kelurahan ...), folded."""
    return frozenset(word for place in places for word in tokens(place))


def problem_text(text: str, place: frozenset[str]) -> str:
    """The words that say what is wrong: no fillers, no place names, no numbers."""
    _, stop, places = _word_lists()
    return " ".join(
        w
        for w in tokens(text)
        if w not in stop and w not in places and w not in place and not w.isdigit()
    )


@lru_cache(maxsize=65_536)
def problem_tokens(description: str, address_text: str) -> tuple[str, ...]:
    """problem_text of a stored report as words, cached: open reports are compared often."""
    return tuple(problem_text(description, place_tokens(address_text)).split())


#: Street-type words; directions stay (Jl. Kembangan Utara is not Jl. Kembangan Selatan).
STREET_WORDS = frozenset({"jalan", "gang", "raya", "no", "nomor", "blok"})


def street_key(street: str) -> str:
    """A street name without 'Jl.'/'Gang'/'Raya' and filler, for comparing two streets."""
    stop = _word_lists()[1]
    return " ".join(w for w in tokens(street) if w not in STREET_WORDS and w not in stop)


def text_score(problem_a: str, problem_b: str) -> float:
    """0-1 similarity of two problem texts.

    Token set (one citizen writes more than the other), tempered by token sort so that a
    bare "lampu mati" is not a perfect match for every longer text containing it.
    """
    if not problem_a or not problem_b:
        return 0.0
    token_set = fuzz.token_set_ratio(problem_a, problem_b)
    return round((0.7 * token_set + 0.3 * fuzz.token_sort_ratio(problem_a, problem_b)) / 100, 4)


def street_score(street_a: str, street_b: str) -> float | None:
    """0-1 agreement of two street names; None when either names no usable street."""
    a, b = street_key(street_a), street_key(street_b)
    short, long = sorted((a, b), key=len)
    if len(short) < 4:  # "Jl. H" (a cut-off "Jl. H. Dogol"): too little to compare
        return None
    # The parser may keep words after the name ("Kalibaru Barat IV Kalibaru Cilincing"):
    # compare the shorter name with the start of the longer one.
    return fuzz.ratio(short, long[: len(short)]) / 100
