"""Free Indonesian text -> Jakarta kota/kecamatan/kelurahan codes, street, RT/RW, landmark."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from normalizers import gazetteer as gz
from normalizers.address_detail import (
    KEC_MARKERS,
    KEL_MARKERS,
    KOTA_MARKERS,
    STREET_STOP,
    STREET_TAIL,
    ascii_fold,
    landmark,
    rt_rw,
    streets,
    tokenize,
)
from normalizers.address_score import decide
from normalizers.area import AreaMatch

PLACE_PREPS = frozenset({"di", "daerah", "kawasan", "sekitar", "area", "wil", "lokasi"})
# A word after an area name that makes it a street or a part of town, not the kelurahan
# ("Kali Baru Timur, Kapuk" is a street in Kapuk; "Pasar Minggu Raya" is a road).
STREET_SUFFIX = frozenset({"raya", "utara", "selatan", "barat", "timur", "tengah", "dalam"})


@dataclass(slots=True)
class Mention:
    """A stretch of text that names an area (or a place outside Jakarta)."""

    start: int
    end: int
    codes: tuple[str, ...]
    marker: str = ""  # kelurahan | kecamatan | kota | ""
    fuzzy: bool = False
    in_street: bool = False
    street_like: bool = False  # "Kali Baru Timur": the name grown into a street, no "Jl." before it
    outside: str = ""
    common_word: bool = False
    aside: str = ""  # direction | official | route | partial: named, but not where the problem is


def _marker_before(words: list[str], i: int) -> str:
    """The area level announced by the word(s) just before position i, if any."""
    for back in (1, 2):
        j = i - back
        if j < 0:
            return ""
        w = words[j]
        if w in KEL_MARKERS:
            return "kelurahan"
        if w in KEC_MARKERS:
            return "kecamatan"
        if w in KOTA_MARKERS:
            return "kota"
        if w not in {"adm", "administrasi", "di", "dan"}:
            return ""
    return ""


def _exact_mentions(words: list[str], breaks: set[int]) -> list[Mention]:
    """Longest exact n-gram matches against the gazetteer, left to right."""
    found: list[Mention] = []
    i = 0
    while i < len(words):
        hit = None
        key = ""
        for n in range(1, min(gz.MAX_NAME_WORDS, len(words) - i) + 1):
            if n > 1 and i + n - 1 in breaks:
                break
            key += words[i + n - 1]
            if key not in gz.NAME_PREFIXES:
                break
            if key in gz.NAME_INDEX:
                hit = Mention(
                    i, i + n, gz.NAME_INDEX[key], "", common_word=key in gz.COMMON_WORD_NAMES
                )
            elif key in gz.OUTSIDE_INDEX:
                hit = Mention(i, i + n, (), "", outside=gz.OUTSIDE_INDEX[key])
        marker = _marker_before(words, i)
        if not hit and marker in {"kelurahan", "kecamatan"}:
            hit = _neighbour(words, breaks, i)
        if hit:
            hit.marker = marker
            found.append(hit)
            i = hit.end
        else:
            i += 1
    return found


def _neighbour(words: list[str], breaks: set[int], i: int) -> Mention | None:
    """'Kel. Duren Mekar', 'Kec. Cilodong': a named area just outside Jakarta."""
    hit = None
    key = ""
    for n in range(1, min(gz.MAX_NAME_WORDS, len(words) - i) + 1):
        if n > 1 and i + n - 1 in breaks:
            break
        key += words[i + n - 1]
        if key in gz.NEIGHBOUR_INDEX:
            hit = Mention(i, i + n, (), "", outside=gz.NEIGHBOUR_INDEX[key])
    return hit


def _blocks(group: tuple[gz.Area, ...]) -> dict[str, dict[str, str]]:
    """Names by first letter: a typo rarely hits the first letter, and this keeps fuzzy cheap."""
    out: dict[str, dict[str, str]] = {}
    for area in group:
        key = gz.compact(area.name)
        out.setdefault(key[0], {})[key] = area.code
    return out


_FUZZY_BLOCKS = {"kelurahan": _blocks(gz.KELURAHAN), "kecamatan": _blocks(gz.KECAMATAN)}
MARKER_WORDS = KEL_MARKERS | KEC_MARKERS


def _fuzzy_one(words: list[str], breaks: set[int], start: int, level: str, cutoff: int):
    """(code, score, n words) of the best typo-tolerant match starting at `start`, or None."""
    best = None
    choices = _FUZZY_BLOCKS[level].get(words[start][0], {})
    for n in (3, 2, 1):
        if start + n > len(words) or any(k in breaks for k in range(start + 1, start + n)):
            continue
        query = "".join(words[start : start + n])
        if len(query) < 5:
            continue
        res = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        if res and (best is None or res[1] > best[1]):
            best = (res[2], res[1], n)
    return best


def _fuzzy_mentions(
    words: list[str], breaks: set[int], taken: set[int], named: bool
) -> list[Mention]:
    """Typo-tolerant matches, tried only after a kel./kec. marker, or after 'di' when nothing
    in the text matched exactly."""
    found: list[Mention] = []
    for i, w in enumerate(words[:-1]):
        start = i + 1
        if start in taken or len(words[start]) < 3:
            continue
        levels: tuple[str, ...]
        if w in MARKER_WORDS:
            levels = ("kelurahan",) if w in KEL_MARKERS else ("kecamatan",)
            cutoff, marker = 85, True
        elif w in PLACE_PREPS and not named:
            levels, cutoff, marker = ("kelurahan", "kecamatan"), 90, False
        else:
            continue
        for level in levels:
            best = _fuzzy_one(words, breaks, start, level, cutoff)
            if best:
                found.append(
                    Mention(start, start + best[2], (best[0],), level if marker else "", fuzzy=True)
                )
                break
    return found


DIRECTION_WORDS = frozenset({"arah", "menuju", "tujuan", "jurusan"})
OFFICIAL_WORDS = frozenset({"lurah", "camat", "walikota", "wakil", "sekcam", "seklur", "kasudin"})
_NOT_A_NAME = KEL_MARKERS | KEC_MARKERS | KOTA_MARKERS | STREET_STOP | {"raya", "jakarta", "dki"}


def _aside(m: Mention, words: list[str], raw: list[str], joined: set[int], starts: set[int]) -> str:
    """Why a name in the text is probably not the place of the problem, or ''."""
    before = words[m.start - 1] if m.start else ""
    if before in DIRECTION_WORDS:
        return "direction"  # "arah Kampung Rambutan"
    if before in OFFICIAL_WORDS:
        return "official"  # "Camat Kalideres" is a person
    if m.start in joined or m.end in joined:
        return "route"  # "akses Cilincing-Marunda" runs between two areas
    nxt = m.end
    if (
        m.marker
        and nxt < len(words)
        and raw[nxt][:1].isupper()
        and words[nxt] not in _NOT_A_NAME
        and nxt not in starts
    ):
        return "partial"  # "Kelurahan Jati Mulya" is not Kelurahan Jati
    return ""


def _area_spans(mentions: list[Mention], words: list[str], raw: list[str]) -> dict[int, int]:
    """Start -> end of Jakarta area names; everyday-word names only when capitalised."""
    return {
        m.start: m.end
        for m in mentions
        if m.codes
        and (not m.common_word or raw[m.start][:1].isupper() and words[m.start] not in STREET_TAIL)
    }


def _listed(m: Mention, raw: list[str], breaks: set[int], spans: list[range]) -> bool:
    """'Jl. Kramat Sentiong, Kramat', 'di Kenari, Senen': a capitalised name alone in a list."""
    after_street = any(span.stop == m.start for span in spans)
    after_place = m.start > 0 and raw[m.start - 1].lower() in PLACE_PREPS
    alone_before = m.start == 0 or m.start in breaks or after_street or after_place
    alone_after = m.end == len(raw) or m.end in breaks
    return alone_before and alone_after and raw[m.start][:1].isupper()


def _street_like(m: Mention, words: list[str], breaks: set[int]) -> bool:
    """'Kali Baru Timur', 'Pasar Minggu Raya': an area name grown into a street or part of town."""
    nxt = m.end
    return not m.marker and nxt < len(words) and nxt not in breaks and words[nxt] in STREET_SUFFIX


def parse_address(text: str) -> AreaMatch:
    """The Jakarta area a complaint is about; says so when there is none or it lies outside."""
    folded = ascii_fold(text)
    lowered = folded.lower()
    words, raw, breaks, joined = tokenize(folded)
    mentions = _exact_mentions(words, breaks)
    street, spans = streets(words, raw, breaks, _area_spans(mentions, words, raw))
    for m in mentions:
        m.common_word = m.common_word and not _listed(m, raw, breaks, spans)
    taken = {k for m in mentions for k in range(m.start, m.end)}
    named = any(m.codes for m in mentions)
    mentions += _fuzzy_mentions(words, breaks, taken, named)
    starts = {m.start for m in mentions}
    for m in mentions:
        m.in_street = any(m.start in span for span in spans)
        m.street_like = _street_like(m, words, breaks)
        m.aside = _aside(m, words, raw, joined, starts)
    match = decide(mentions)
    match.street = street
    match.rt_rw = rt_rw(lowered)
    match.landmark = landmark(text)
    match.has_address = bool(
        match.kelurahan_code
        or match.kecamatan_code
        or street
        or match.rt_rw
        or match.landmark
        or match.outside_jakarta
    )
    return match
