"""Free Indonesian text -> Jakarta kota/kecamatan/kelurahan codes, street, RT/RW, landmark."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from normalizers import gazetteer as gz
from normalizers.address_score import decide
from normalizers.area import AreaMatch

_TOKEN = re.compile(r"[A-Za-z0-9]+|-|[,;:!?()\n]|\.(?=\s|$)")
# Words written with a dot that does not end anything ("Jl. Kenari", "Kel. Cideng").
ABBREVIATED = frozenset(
    {"jl", "jln", "gg", "kel", "kec", "kab", "no", "rt", "rw", "kav", "kp", "adm", "ds", "dsn"}
)
KEL_MARKERS = frozenset({"kel", "kelurahan", "kelurhan", "kelrahan", "klurahan", "desa", "kelurah"})
KEC_MARKERS = frozenset({"kec", "kecamatan", "kecamtan", "kecamatn", "kcm"})
KOTA_MARKERS = frozenset({"kota", "kodya", "kotamadya", "kab", "kabupaten", "wilayah"})
STREET_MARKERS = frozenset(
    {"jl", "jln", "jalan", "gg", "gang", "jalur", "komplek", "kompleks", "perumahan"}
)
SPELLED_MARKERS = frozenset({"jalan", "gang", "jalur", "komplek", "kompleks", "perumahan"})
PLACE_PREPS = frozenset({"di", "daerah", "kawasan", "sekitar", "area", "wil", "lokasi"})
STREET_STOP = (
    KEL_MARKERS
    | KEC_MARKERS
    | KOTA_MARKERS
    | STREET_MARKERS
    | frozenset(
        {
            "rt",
            "rw",
            "no",
            "nomor",
            "nmr",
            "depan",
            "dekat",
            "samping",
            "seberang",
            "belakang",
            "sebelah",
            "jakarta",
            "dki",
            "yang",
            "sudah",
            "mohon",
            "tolong",
            "ada",
            "banyak",
            "sangat",
            "karena",
            "dan",
            "tapi",
            "sejak",
            "sekitar",
            "arah",
            "di",
            "ke",
            "dari",
            "pak",
            "bu",
            "min",
            "kondisi",
            "saat",
            "ini",
            "itu",
            "sering",
            "terjadi",
            "blok",
            "kav",
            "kavling",
            "persis",
            "tepat",
            "sampai",
            "hingga",
            "rusak",
            "berlubang",
            "banjir",
            "macet",
            "mati",
            "tergenang",
            "tumbang",
            "parah",
            "terus",
            "kotor",
        }
    )
)
_RT_RW = re.compile(
    r"\brt\s*[./:]?\s*0*(\d{1,3})\s*[,/\\.\- ]*\s*(?:rw\s*[./:]?\s*)?0*(\d{1,3})\b"
    r"|\brt\s*/\s*rw\s*[.:]?\s*0*(\d{1,3})\s*/\s*0*(\d{1,3})"
)
_LANDMARK = re.compile(
    r"\b(depan|dekat|samping|seberang|belakang|sebelah|persis di|tepat di|di bawah|kolong"
    r"|pertigaan|perempatan|persimpangan|simpang|ujung|pinggir)\s+([^,.;:!?\n]{3,80})",
    re.IGNORECASE,
)
_LANDMARK_WORDS = 8
_NAMED_PLACE = re.compile(  # "di Stasiun Tebet", "di RPTRA Kalijodo": a place with its proper name
    r"\b(?:di|ke)\s+((?:[Ss]tasiun|[Hh]alte|[Tt]erminal|[Pp]asar|[Mm]asjid|[Gg]ereja|RPTRA|[Tt]aman"
    r"|SDN?|SMPN?|SMAN?|SMKN?|RSUD|RS|[Pp]uskesmas|[Kk]antor|[Gg]edung|[Jj]embatan|[Ff]lyover"
    r"|[Rr]usun(?:awa)?|[Aa]partemen|[Mm]all|[Pp]laza|[Pp]erumahan|[Kk]omplek|[Kk]ali|[Ss]ungai|[Ww]aduk)"
    r"\s+[A-Z0-9][\w'-]*(?:\s+[A-Z0-9][\w'-]*){0,3})"
)
# A landmark someone can find: a named place (capitalised) or a kind of place people point at.
POI_WORDS = frozenset(
    """sekolah sd sdn smp smpn sma sman smk madrasah mi mts masjid musala musholla mushola gereja
    vihara pura klenteng pasar stasiun halte terminal shelter mall mal plaza gedung kantor rs rsud
    puskesmas klinik apotek bank atm spbu pom indomaret alfamart minimarket toko warung restoran
    jembatan jpo flyover underpass tol gerbang gapura pos taman rptra lapangan makam tpu waduk
    situ danau tugu monumen hotel apartemen rusun rusunawa kampus universitas
    polsek polres koramil kelurahan kecamatan gor""".split()  # noqa: SIM905
)
_LANDMARK_STOP = frozenset(
    """sudah tidak belum yang sejak mohon tolong karena dan sehingga jadi banyak selama sering
    sangat masih harap agar supaya kalau kalo udah gak nggak tdk ga ada itu ini saya kami kita
    membuat bikin menyebabkan terjadi rusak mati mampet banjir""".split()  # noqa: SIM905
)


@dataclass(slots=True)
class Mention:
    """A stretch of text that names an area (or a place outside Jakarta)."""

    start: int
    end: int
    codes: tuple[str, ...]
    marker: str = ""  # kelurahan | kecamatan | kota | ""
    fuzzy: bool = False
    in_street: bool = False
    outside: str = ""
    common_word: bool = False
    aside: str = ""  # direction | official | route | partial: named, but not where the problem is


def ascii_fold(text: str) -> str:
    """Accents folded to ASCII; case and punctuation kept so spans can stop at commas."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


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


def _streets(words: list[str], raw_words: list[str], breaks: set[int]) -> tuple[str, list[range]]:
    """The first street/gang named after Jl./Gg. markers, and every street span (for weighting)."""
    spans: list[range] = []
    first = ""
    for i, w in enumerate(words):
        if w not in STREET_MARKERS or i + 1 >= len(words) or i + 1 in breaks:
            continue
        if w in SPELLED_MARKERS and not (
            raw_words[i + 1][0].isupper() or words[i + 1] in {"raya", "tol"}
        ):
            continue  # "jalan rusak", "lampu jalan mati": the common noun, not a street name
        j = i + 1
        while j < len(words) and j - i <= 5 and words[j] not in STREET_STOP and j not in breaks:
            j += 1
        if j > i + 1:
            spans.append(range(i + 1, j))
            if not first:
                label = (
                    "Jl."
                    if w in {"jl", "jln", "jalan", "jalur"}
                    else "Gg."
                    if w in {"gg", "gang"}
                    else w.title()
                )
                first = f"{label} {' '.join(_title(x) for x in raw_words[i + 1 : j])}"
    return first, spans


def _title(word: str) -> str:
    return word if word.isupper() and len(word) <= 4 else word.capitalize()


def _rt_rw(lowered: str) -> str:
    m = _RT_RW.search(lowered)
    if not m:
        return ""
    rt, rw = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    return f"RT {int(rt):03d}/RW {int(rw):03d}"


def _landmark(text: str) -> str:
    """'depan SDN Kenari 07', 'seberang Stasiun Tebet'; not 'depan rumah saya'."""
    for m in _LANDMARK.finditer(text):
        words: list[str] = []
        for word in m.group(2).split()[:_LANDMARK_WORDS]:
            if word.lower() in _LANDMARK_STOP:
                break
            words.append(word)
        named = any(w[:1].isupper() or w[:1].isdigit() for w in words)
        if words and (named or any(w.lower() in POI_WORDS for w in words)):
            return f"{m.group(1).lower()} {' '.join(words)}"
    place = _NAMED_PLACE.search(text)
    return place.group(1) if place else ""


def tokenize(folded: str) -> tuple[list[str], list[str], set[int], set[int]]:
    """Lower-case words, the words as written, positions after punctuation, positions after '-'."""
    raw: list[str] = []
    breaks: set[int] = set()
    joined: set[int] = set()
    for tok in _TOKEN.findall(folded):
        if tok[0].isalnum():
            raw.append(tok)
        elif tok == "-":
            joined.add(len(raw))
            breaks.add(len(raw))
        elif not (tok == "." and raw and raw[-1].lower() in ABBREVIATED):
            breaks.add(len(raw))
    return [w.lower() for w in raw], raw, breaks, joined


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


def parse_address(text: str) -> AreaMatch:
    """The Jakarta area a complaint is about; says so when there is none or it lies outside."""
    folded = ascii_fold(text)
    lowered = folded.lower()
    words, raw, breaks, joined = tokenize(folded)
    street, spans = _streets(words, raw, breaks)
    mentions = _exact_mentions(words, breaks)
    taken = {k for m in mentions for k in range(m.start, m.end)}
    named = any(m.codes for m in mentions)
    mentions += _fuzzy_mentions(words, breaks, taken, named)
    starts = {m.start for m in mentions}
    for m in mentions:
        m.in_street = any(m.start in span for span in spans)
        m.aside = _aside(m, words, raw, joined, starts)
    match = decide(mentions)
    match.street = street
    match.rt_rw = _rt_rw(lowered)
    match.landmark = _landmark(text)
    match.has_address = bool(
        match.kelurahan_code
        or match.kecamatan_code
        or street
        or match.rt_rw
        or match.landmark
        or match.outside_jakarta
    )
    return match
