"""Free Indonesian text -> Jakarta kota/kecamatan/kelurahan codes, street, RT/RW, landmark."""

from __future__ import annotations

from dataclasses import dataclass

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
    street_name,
    streets,
    tokenize,
)
from normalizers.address_fuzzy import PLACE_PREPS, free_typos, marked_typos, refined
from normalizers.address_score import decide
from normalizers.area import AreaMatch
from normalizers.street_words import is_number, lookup_words

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
    names_street: bool = False  # "Jl. Benhil Raya": the street is called by this name (+ Raya)
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


def _named_street(m: Mention, words: list[str], spans: list[range]) -> bool:
    """'Jl. Benhil Raya', 'Jl. Cikini': a street called by the area's name alone (+ Raya) is
    usually that area's main road; 'Jl. Kalibaru Timur' (a direction) may lie far away."""
    # A lower-case street runs on into the complaint ("jl benhil raya mampet"): look at one word.
    return any(
        span.start == m.start and (m.end == span.stop or words[m.end] == "raya") for span in spans
    )


def _typo_mentions(words: list[str], breaks: set[int], exact: list[Mention]) -> list[Mention]:
    """Misspelt names where no exact name stands: after markers first, then anywhere."""
    for m in exact:
        if narrowed := refined(words, breaks, m.start, m.end, m.codes):
            m.end, m.codes, m.fuzzy = narrowed.end, narrowed.codes, True
    taken = {k for m in exact for k in range(m.start, m.end)}
    typos = marked_typos(words, breaks, taken, any(m.codes for m in exact))
    taken.update(k for t in typos for k in range(t.start, t.end))
    if not any(m.marker == "kelurahan" and m.codes for m in exact):
        # Unless the writer named the kelurahan with "Kel."/"Kelurahan": a misspelt name elsewhere
        # would rarely change that answer, and this pass is the costliest step of the parse.
        typos += free_typos(words, breaks, taken)
    return [Mention(t.start, t.end, t.codes, t.marker, fuzzy=True) for t in typos]


# Words after a number that make it a count, not a street's number ("Tebet 3 hari").
COUNTED = frozenset(
    """hari minggu bulan tahun jam menit detik meter m cm km kali titik rumah orang kk unit buah
    x persen rt rw lampu tiang pohon motor mobil truk hr bln thn mgg org""".split()  # noqa: SIM905
)


def _unmarked_street(
    mentions: list[Mention], words: list[str], raw: list[str], breaks: set[int], spans: list[range]
) -> str:
    """'mangga besar 13', 'Petamburan III', 'cempaka putih raya': an area name with a number or
    Raya, written without 'Jl.', is the street named after the area; '' when there is none."""
    ends = {m.end: m for m in mentions if m.codes}
    for m in mentions:
        n = m.end
        if not _grown_into_street(m, words, raw, breaks, spans):
            continue
        start = m.start  # "cempaka putih tengah 2": names read as two areas make one street
        while start in ends and start not in breaks and not ends[start].marker:
            start = ends[start].start
        if start == m.start and m.common_word:
            continue  # "tengah 2" alone is no street
        return street_name(raw[start : n + 1])
    return ""


def _grown_into_street(
    m: Mention, words: list[str], raw: list[str], breaks: set[int], spans: list[range]
) -> bool:
    """Whether a Raya or a street number (not a count: "Tebet 3 hari") follows the area name."""
    n = m.end
    if (
        not m.codes
        or m.marker
        or n >= len(words)
        or n in breaks
        or any(m.start in span for span in spans)
        or all(len(code) <= 5 for code in m.codes)  # a kota: "Jakbar 2"
    ):
        return False
    if words[n] == "raya":
        return True
    after = words[n + 1] if n + 1 < len(words) and n + 1 not in breaks else ""
    return is_number(words[n], raw[n]) and after not in COUNTED and not after.isdigit()


def parse_address(text: str) -> AreaMatch:
    """The Jakarta area a complaint is about; says so when there is none or it lies outside."""
    folded = ascii_fold(text)
    lowered = folded.lower()
    words, raw, breaks, joined = tokenize(folded)
    mentions = _exact_mentions(lookup_words(words), breaks)  # "Jl Pegangsaan 2", "Pd. Bambu"
    mentions += _typo_mentions(words, breaks, mentions)
    street, spans = streets(words, raw, breaks, _area_spans(mentions, words, raw))
    street = street or _unmarked_street(mentions, words, raw, breaks, spans)
    for m in mentions:
        m.common_word = m.common_word and not _listed(m, raw, breaks, spans)
    starts = {m.start for m in mentions}
    for m in mentions:
        m.in_street = any(m.start in span for span in spans)
        m.street_like = _street_like(m, words, breaks)
        m.names_street = _named_street(m, words, spans)
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
