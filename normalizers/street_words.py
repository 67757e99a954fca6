"""Street-name words: which end a name written in lower case, street numbers, nicknames spelt out.

Data: normalizers/data/street_words.txt (written for this project); see normalizers/README.md.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from normalizers import gazetteer as gz

WORDS_FILE = Path(__file__).parent / "data" / "street_words.txt"


def _area_words() -> frozenset[str]:
    """Every word of a Jakarta area name or alias: such a word may always be in a street name."""
    with (gz.DATA_DIR / "aliases.csv").open(encoding="utf-8", newline="") as fh:
        aliases = [r["alias"] for r in csv.DictReader(x for x in fh if not x.startswith("#"))]
    names = [a.name for a in gz.AREAS.values()] + aliases
    return frozenset(word for name in names for word in gz.fold(name).split())


AREA_WORDS = _area_words()


def _load() -> tuple[frozenset[str], frozenset[str], dict[str, tuple[str, ...]]]:
    """(@end words minus area words, @keep words, short form -> the words street signs write)."""
    ends: set[str] = set()
    keep: set[str] = set()
    spelled: dict[str, tuple[str, ...]] = {}
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        head, _, rest = line.partition(":")
        if head in {"@end", "@keep"}:
            (ends if head == "@end" else keep).update(rest.split())
        else:
            spelled[head.strip()] = tuple(rest.split())
    return frozenset(ends - AREA_WORDS), frozenset(keep | AREA_WORDS), spelled


END_WORDS, KEEP_WORDS, SPELLED_OUT = _load()
# Short forms written with a dot that does not end the sentence ("Jl. Gn. Sahari", "Pd. Bambu").
DOTTED_SHORT = frozenset(k for k in SPELLED_OUT if len(k) <= 3)
# Digits read as the number words of area names: "Pegangsaan 2", "Jembatan 5", "Duren 3".
NUMBER_WORDS = dict(
    zip(
        "1 2 3 4 5 6 7 8 9 10".split(),  # noqa: SIM905
        "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh".split(),  # noqa: SIM905
        strict=True,
    )
)
# A street's number: "13", "2A", Roman "IV", "xiii" (I-XXIX; a lone i/v/x only in capitals).
_DIGITS = re.compile(r"\d{1,2}[a-f]?")  # "2A"; not "2x" (twice)
_ROMAN = re.compile(r"x{0,2}(?:ix|iv|v?i{0,3})")
_REDUPLICATED = re.compile(r"[a-z]{3,}2")  # chat "bolong2", "ujan2": a doubled common word
QUALIFIERS = frozenset({"utara", "selatan", "barat", "timur", "tengah", "raya", "dalam"})
CLOSERS = frozenset({"raya", "dalam"})  # "Jl. Benhil Raya", "Jl. Kemang Dalam": the name ends


def is_number(word: str, raw: str) -> bool:
    """'13', '2A', 'IV', 'xiii': the number of a numbered street ("Jl. Petamburan III")."""
    if _DIGITS.fullmatch(word):
        return True
    return bool(word and _ROMAN.fullmatch(word)) and (len(word) > 1 or raw.isupper())


def qualifier(word: str, raw: str) -> bool:
    """A word that may follow a street's Raya/Dalam/number: a direction, Raya, a number, 'A'."""
    return word in QUALIFIERS or is_number(word, raw) or (len(raw) == 1 and raw.isupper())


def ends_name(word: str, raw: str) -> bool:
    """A word written in lower case that is no part of a street name: complaint words, verbs
    (passive "di-" ones too: "dipake"), chat and English function words, '-nya' forms
    ("jalannya"), doubled words ("bolong2")."""
    if not raw[:1].islower() or word in KEEP_WORDS:
        return False
    return (
        word in END_WORDS
        or (len(word) > 5 and (word.endswith("nya") or word.startswith("di")))
        or bool(_REDUPLICATED.fullmatch(word))
    )


def spelled_out(raw: str, first: bool) -> list[str]:
    """One written word of a street name as the sign writes it ('benhil' -> Bendungan Hilir)."""
    low = raw.lower()
    if low == "p" and first:
        return ["Pangeran"]  # "Jl. P. Jayakarta", "Jl. P. Antasari": P. on street signs
    return [w.capitalize() for w in SPELLED_OUT.get(low, ())]


def lookup_words(words: list[str]) -> list[str]:
    """The words as area names are looked up, one for one: '2' -> 'dua', 'pd' -> 'pondok'."""
    found = []
    for word in words:
        long = SPELLED_OUT.get(word, ())
        found.append(NUMBER_WORDS.get(word) or (long[0] if len(long) == 1 else word))
    return found
