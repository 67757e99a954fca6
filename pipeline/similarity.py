"""How alike two complaint texts are: the problem words compared apart from the place words."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

WORDS_FILE = Path(__file__).parent / "data" / "complaint_words.txt"


@lru_cache(maxsize=1)
def _word_lists() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """(variant -> canonical, the @-lists by name) from pipeline/data/complaint_words.txt."""
    table: dict[str, str] = {}
    lists: dict[str, set[str]] = {k: set() for k in ("@stop", "@place", "@generic", "@skip")}
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        head, _, words = line.partition(":")
        if head in lists:
            lists[head].update(words.split())
            continue
        for variant in words.split():
            table[variant] = head.strip()
    return table, {name[1:]: frozenset(words) for name, words in lists.items()}


def canonical_words() -> dict[str, str]:
    """Variant -> canonical word ("jln" -> "jalan", "padam" -> "mati")."""
    return _word_lists()[0]


def generic_place_words() -> frozenset[str]:
    """First words of place names that say little alone ("kali", "haji", "pasar")."""
    return _word_lists()[1]["generic"]


def skipped_place_words() -> frozenset[str]:
    """Titles and positions a place key skips ("jenderal", "kh", "depan", "seberang")."""
    return _word_lists()[1]["skip"]


def tokens(text: str, chat: bool = False) -> list[str]:
    """Lower-case words with abbreviations and synonyms folded ("jln" -> "jalan").

    chat=True also undoes Jakarta chat forms (_colloquial): for complaint texts, never for
    names ("Jl. Fachrudin" is not "fachrudkan").
    """
    table = canonical_words()
    words = utils.default_process(text).split()
    return [table.get(word, word) for word in (map(_colloquial, words) if chat else words)]


#: "pohon2", "gorong2nya": the 2 that writes a reduplication (pohon-pohon) in chats.
_REDUPLICATED = re.compile(r"(?<=[a-z])2(?=nya$|$)")


@lru_cache(maxsize=65_536)
def _colloquial(word: str) -> str:
    """Jakarta chat forms to their standard shape: reduplication 2, nge- and -in."""
    word = _REDUPLICATED.sub("", word)
    if word.startswith("nge") and len(word) > 6:  # ngegenang, ngelupas: (ter)genang, kelupas
        word = word[3:]
    if word.endswith("in") and len(word) > 6 and not _stemmer().dictionary.contains(word):
        word = word[:-2] + "kan"  # dilebarin, nutupin: dilebarkan, nutupkan
    return word


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    """Sastrawi's stemmer (Nazief-Adriani, its own root dictionary), built once (~0.3 s).

    Not the factory's CachedStemmer: its cache is a dict that never forgets, and a long-lived
    worker meets unbounded new words; stem() has a bounded cache instead.
    """
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary  # noqa: PLC0415
    from Sastrawi.Stemmer.Stemmer import Stemmer  # noqa: PLC0415
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory  # noqa: PLC0415

    return Stemmer(ArrayDictionary(StemmerFactory().get_words()))


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The root of a word ("tergenang", "menggenangi" -> "genang"; "kebanjiran" -> "banjir")."""
    return str(_stemmer().stem(word)) or word


@lru_cache(maxsize=65_536)
def place_tokens(address_text: str) -> frozenset[str]:
    """The words of a stored address (street, RT/RW, kelurahan ...), folded."""
    return frozenset(tokens(address_text))


def problem_text(text: str, place: frozenset[str]) -> str:
    """The words that say what is wrong, by their roots: no fillers, place names or numbers."""
    lists = _word_lists()[1]
    stop, places = lists["stop"], lists["place"]
    return " ".join(
        stem(w)
        for w in tokens(text, chat=True)
        if w not in stop and w not in places and w not in place and not w.isdigit()
    )


@lru_cache(maxsize=65_536)
def stored_problem(description: str, address_text: str) -> str:
    """problem_text of a stored report, cached: open reports are compared again and again."""
    return problem_text(description, place_tokens(address_text))


#: Street-type words; directions stay (Jl. Kembangan Utara is not Jl. Kembangan Selatan).
STREET_WORDS = frozenset({"jalan", "gang", "raya", "no", "nomor", "blok"})


@lru_cache(maxsize=65_536)
def street_key(street: str) -> str:
    """A street name without 'Jl.'/'Gang'/'Raya' and filler, for comparing two streets."""
    stop = _word_lists()[1]["stop"]
    return " ".join(w for w in tokens(street) if w not in STREET_WORDS and w not in stop)


@lru_cache(maxsize=65_536)
def street_head(street_key: str) -> str:
    """The skeleton of a street's first telling word: titles passed over ("haji agus salim"
    -> "gs"; "kemang utara ii" -> "kmn"); "" when it has none."""
    skip = skipped_place_words()
    for word in street_key.split():
        if len(word) >= 3 and not word.isdigit() and word not in skip:
            return skeleton(word)
    return ""


@lru_cache(maxsize=65_536)
def skeletons(problem: str) -> frozenset[str]:
    """The skeletons of a problem text's words (street_head looked up among them)."""
    return frozenset(skeleton(word) for word in problem.split())


def text_score(problem_a: str, problem_b: str) -> float:
    """0-1 similarity of two problem texts (see text_scores)."""
    return text_scores(problem_a, [problem_b])[0]


def text_scores(query: str, problems: list[str]) -> list[float]:
    """0-1 similarity of one problem text to each of many, in one pass per scorer.

    Token set (one citizen writes more than the other), tempered by token sort so that a
    bare "lampu mati" is not a perfect match for every longer text containing it.
    """
    if not query:
        return [0.0] * len(problems)
    found = [0.0] * len(problems)
    for scorer, weight in ((fuzz.token_set_ratio, 0.007), (fuzz.token_sort_ratio, 0.003)):
        for _, value, index in process.extract(query, problems, scorer=scorer, limit=None):
            found[index] += value * weight if problems[index] else 0.0
    return [round(v, 4) for v in found]


def street_score(street_a: str, street_b: str) -> float | None:
    """0-1 agreement of two street names; None when either names no usable street."""
    return keys_score(street_key(street_a), street_key(street_b))


@lru_cache(maxsize=65_536)
def keys_score(a: str, b: str) -> float | None:
    """street_score of two street_key values (cached: the same streets meet again and again)."""
    if min(len(a), len(b)) < 4:  # "Jl. H" (a cut-off "Jl. H. Dogol"): too little to compare
        return None
    a, b = street_signature(a), street_signature(b)
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return None
    # The parser may keep words after the name ("Kalibaru Barat IV Kalibaru Cilincing"):
    # compare the shorter name with the start of the longer one.
    found = fuzz.ratio(short, long[: len(short)]) / 100
    # Jl. Kembangan Utara is not Jl. Kembangan Selatan, Petamburan III not Petamburan V.
    ours, theirs = _qualifiers(a), _qualifiers(b)
    return min(found, 0.6) if ours and theirs and not ours & theirs else found


_DIRECTIONS = ("utara", "selatan", "barat", "timur", "dalam")


def _qualifiers(signature: str) -> frozenset[str]:
    """The numbers and directions of a street signature."""
    return frozenset(w for w in signature.split() if w.isdigit() or w in _DIRECTION_SKELETONS)


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7"}
_ROMAN |= {"viii": "8", "ix": "9", "x": "10"}


@lru_cache(maxsize=65_536)
def street_signature(street_key: str) -> str:
    """A street as it is compared: titles dropped, numerals as digits, words as skeletons
    ("kh a wahab ii" and "kh abdul wahab 2" -> "whb 2"; "dr soemarno" = "dr sumarno")."""
    skip = skipped_place_words()
    words = [_ROMAN.get(w, w) for w in street_key.split()]
    kept = [w for w in words if w.isdigit() or (len(w) > 1 and w not in skip)]
    return " ".join(w if w.isdigit() else skeleton(w) for w in kept)


#: Old and new Indonesian spellings (EYD 1972) still both in use in street names.
_SPELLING = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("nj", "ny"), ("ch", "kh"))


@lru_cache(maxsize=65_536)
def skeleton(word: str) -> str:
    """A word as it sounds, roughly: old spellings, doubled letters, final -ng/-g and inner
    vowels folded ("Soemarno"/"Sumarno", "Cempedak"/"Cempedag", "Kemanggisan"/"Kemangisan",
    "Pengumben"/"Pengumbeng", "Kebon"/"Kebun", "Gede"/"Gde" meet)."""
    for old, new in _SPELLING:
        word = word.replace(old, new)
    word = re.sub(r"(.)\1+", r"\1", word)
    word = word[:-1] if word.endswith("ng") else word[:-1] + "k" if word.endswith("g") else word
    return word[:1] + re.sub("[aeiou]", "", word[1:])


#: The directions as street_signature writes them ("utr", "sltn", ...), for _qualifiers.
_DIRECTION_SKELETONS = frozenset(skeleton(w) for w in _DIRECTIONS)
