"""Spam and abusive language in citizen messages, from word lists (data) with disguises undone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

WORDS_FILE = Path(__file__).parent / "data" / "abuse_words.txt"
SPAM_POINTS = 3  # a message scoring this many spam points is spam

#: Look-alikes people type to slip past filters: anj1ng, b4ngs4t, @njing, $etan, 4nj!ng.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i", "|": "i"})  # fmt: skip
_REPEAT = re.compile(r"([a-z])\1+")
_SPACED = re.compile(r"\b(?:[a-z][\s.\-_*]){2,}[a-z]\b")  # a n j i n g, b.a.n.g.s.a.t
_WORD = re.compile(r"[a-z]+")
_NON_WORD = re.compile(r"[^a-z0-9@$!|]+")


@dataclass(frozen=True)
class WordLists:
    """The lists of pipeline/data/abuse_words.txt, folded."""

    strong: frozenset[str]
    ambiguous: frozenset[str]
    target: frozenset[str]
    spam: tuple[tuple[str, bool, int], ...]  # (phrase or folded " words ", as typed?, points)


def squeeze(word: str) -> str:
    """Repeated letters collapsed: 'anjjjiiing' -> 'anjing', 'goblokkk' -> 'goblok'."""
    return _REPEAT.sub(r"\1", word)


@lru_cache(maxsize=1)
def word_lists() -> WordLists:
    """Parse the word list file once."""
    sets: dict[str, set[str]] = {"@strong": set(), "@ambiguous": set(), "@target": set()}
    spam: list[tuple[str, int]] = []
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        head, _, rest = line.partition(":")
        if head in sets:
            sets[head].update(squeeze(w) for w in rest.split())
        elif head.startswith("spam "):
            points = int(head.split()[1])
            spam += [_needle(p.strip().lower(), points) for p in rest.split("|") if p.strip()]
    return WordLists(
        frozenset(sets["@strong"]),
        frozenset(sets["@ambiguous"]),
        frozenset(sets["@target"]),
        tuple(spam),
    )


def _words(text: str) -> list[tuple[str, bool]]:
    """(folded word, was it disguised) for every word of the text."""
    lowered = text.lower()
    spaced = {re.sub(r"[\s.\-_*]", "", m.group()) for m in _SPACED.finditer(lowered)}
    lowered = _SPACED.sub(lambda m: re.sub(r"[\s.\-_*]", "", m.group()), lowered)
    out = []
    for raw in _NON_WORD.split(lowered):
        raw = raw.rstrip("!|")  # "tai!" ends a sentence; "anj!ng" hides a letter
        if not raw:
            continue
        for word in _WORD.findall(raw.translate(_LEET)):
            folded = squeeze(word)
            out.append((folded, not raw.isalpha() or folded != word or raw in spaced))
    return out


def profanity(text: str) -> list[str]:
    """The abusive words a message uses (folded), in order; empty when it is clean."""
    lists = word_lists()
    words = _words(text)
    found = []
    for i, (word, disguised) in enumerate(words):
        if word in lists.strong:
            found.append(word)
        elif word in lists.ambiguous:
            near = {w for w, _ in words[max(0, i - 2) : i + 3]}
            if disguised or near & lists.target:
                found.append(word)
    return found


def _needle(phrase: str, points: int) -> tuple[str, bool, int]:
    """wa.me, bit.ly, 100% are matched as typed; words are matched folded, whole."""
    if not phrase.replace(" ", "").isalpha():
        return phrase, True, points
    return f" {' '.join(squeeze(w) for w in phrase.split())} ", False, points


def spam_points(text: str) -> int:
    """Points from spam markers (each phrase counted once)."""
    folded = " " + " ".join(w for w, _ in _words(text)) + " "
    lowered = text.lower()
    return sum(
        points
        for needle, as_typed, points in word_lists().spam
        if needle in (lowered if as_typed else folded)
    )


def is_spam(text: str) -> bool:
    """True for promotions, gambling ads, loan offers and follower selling."""
    return spam_points(text) >= SPAM_POINTS
