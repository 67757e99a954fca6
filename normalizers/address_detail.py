"""Address words, tokenizing, and the spot inside a kelurahan: street, RT/RW, landmark."""

from __future__ import annotations

import re
import unicodedata

from normalizers import gazetteer as gz
from normalizers.street_words import (
    CLOSERS,
    DOTTED_SHORT,
    ends_name,
    is_number,
    qualifier,
    spelled_out,
)

_TOKEN = re.compile(r"[A-Za-z0-9]+|-|[,;:!?()\n]|\.(?=\s|$)")
# Words written with a dot that does not end anything ("Jl. Kenari", "Kel. Cideng").
ABBREVIATED = frozenset(
    {"jl", "jln", "gg", "kel", "kec", "kab", "no", "rt", "rw", "kav", "kp", "adm", "ds", "dsn"}
)
# Titles inside street names ("Jl. H. Dogol", "Jl. KH. Mas Mansyur", "Jl. Ir. H. Juanda"): their dot
# is an abbreviation, not the end of the name; written the way street signs spell them.
HONORIFICS = {
    "h": "H.",
    "hj": "Hj.",
    "kh": "KH.",
    "hr": "HR.",
    "dr": "Dr.",
    "ir": "Ir.",
    "prof": "Prof.",
    "drs": "Drs.",
    "jend": "Jend.",
    "jen": "Jend.",
    "letjen": "Letjen",
    "mayjen": "Mayjen",
    "brigjen": "Brigjen",
    "kol": "Kol.",
    "kapt": "Kapt.",
    "mr": "Mr.",
    # Given names signs abbreviate ("Jl. KH. Moh. Mansyur", "Jl. Moch. Kahfi II")
    "moh": "Moh.",
    "moch": "Moch.",
    "muh": "Muh.",
    "abd": "Abd.",
    "tb": "TB",  # Jl. TB Simatupang, Jl. MT Haryono, Jl. KS Tubun: initials signs write together
    "mt": "MT",
    "ks": "KS",
}
KEL_MARKERS = frozenset({"kel", "kelurahan", "kelurhan", "kelrahan", "klurahan", "desa", "kelurah"})
KEC_MARKERS = frozenset({"kec", "kecamatan", "kecamtan", "kecamatn", "kcm"})
KOTA_MARKERS = frozenset({"kota", "kodya", "kotamadya", "kab", "kabupaten", "wilayah"})
STREET_MARKERS = frozenset(
    {"jl", "jln", "jalan", "gg", "gang", "jalur", "komplek", "kompleks", "perumahan"}
)
SPELLED_MARKERS = frozenset({"jalan", "gang", "jalur", "komplek", "kompleks", "perumahan"})
STREET_STOP = (
    KEL_MARKERS
    | KEC_MARKERS
    | KOTA_MARKERS
    | STREET_MARKERS
    | frozenset(
        """rt rw no nomor nmr depan dekat samping seberang belakang sebelah jakarta dki yang sudah
        mohon tolong ada banyak sangat karena dan tapi sejak sekitar arah di ke dari pak bu min
        kondisi saat ini itu sering terjadi blok kav kavling persis tepat sampai hingga rusak
        berlubang banjir macet mati tergenang tumbang parah terus kotor""".split()  # noqa: SIM905
    )
)
# Lower-case words that still belong to a capitalised street name ("Jl. Kebon Jeruk raya").
STREET_TAIL = frozenset({"raya", "dalam", "utara", "selatan", "barat", "timur", "tengah", "baru"})
MAX_STREET_WORDS = 5
# Words that name no street alone: "di jalan raya", "pinggir jalan tol" are any big road.
GENERIC_STREET = frozenset(
    {"raya", "utama", "besar", "kecil", "tol", "umum", "protokol", "lingkungan", "setapak"}
)
# First words of streets named after the area they run to or through ("Jl. Raya Pasar Minggu").
STREET_HEADS = frozenset(
    """raya inspeksi boulevard arteri lingkar tol kali danau situ taman pasar terusan stasiun
    terminal pelabuhan akses simpang pintu komplek kompleks perumahan jembatan bendungan kampung
    pangkalan bypass lapangan layang utama baru masjid mesjid""".split()  # noqa: SIM905
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


def ascii_fold(text: str) -> str:
    """Accents folded to ASCII; case and punctuation kept so spans can stop at commas."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _abbreviation(word: str) -> bool:
    """A dot after this word abbreviates it: 'Jl.', 'Kel.', 'H.', 'Dr.', initials ('S. Parman')."""
    low = word.lower()
    return (
        low in ABBREVIATED
        or low in HONORIFICS
        or low in DOTTED_SHORT
        or (len(word) == 1 and word.isupper())
    )


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
        elif not (tok == "." and raw and _abbreviation(raw[-1])):
            breaks.add(len(raw))
    return [w.lower() for w in raw], raw, breaks, joined


def _street_end(
    words: list[str], raw: list[str], breaks: set[int], start: int, areas: dict[int, int]
) -> int:
    """Index just after the street name that begins at `start`.

    The name stops at punctuation, at a word that cannot be part of it (a stop word; written in
    lower case, a complaint word, verb or English function word: "jl benhil raya mampet",
    "Jalan Sabang is full"), after Raya/Dalam or its number unless a direction or number follows
    ("Jl. Kembangan Raya Selatan", "Jl. Tebet Dalam IV"), at an area name that follows two or
    more name words not ending in another area name ("Jl. Rawa Malang Semper Timur": the
    kelurahan comes after the street) and, in a capitalised name, at a lower-case word
    ("Jl. Rawa Malang udah ...").
    """
    capitalised = raw[start][:1].isupper()
    closed = False
    j = start
    while j < len(words) and j - start < MAX_STREET_WORDS and words[j] not in STREET_STOP:
        if j > start and j in breaks or ends_name(words[j], raw[j]):
            break
        if closed and not qualifier(words[j], raw[j]):
            break
        if j in areas and _area_follows(words, start, j, areas):
            break
        lower = raw[j][:1].islower() and words[j] not in STREET_TAIL
        if capitalised and lower and j - start >= 2:
            break
        closed = closed or j > start and (words[j] in CLOSERS or is_number(words[j], raw[j]))
        j += 1
    return j


def _area_follows(words: list[str], start: int, j: int, areas: dict[int, int]) -> bool:
    """Whether the area name at j comes after the street name begun at `start`, not inside it."""
    if j - start >= 2:
        return j not in areas.values()  # but "Jl. Raya Cakung Cilincing" runs between two areas
    # One word in: "Jl. Pemuda Rawamangun", "Jl. Otista Bidara Cina", but not "Jl. Raya Condet",
    # "Jl. Danau Sunter" (named after the area), "Jl. Warung Jati" (an everyday word) nor
    # "Gg. Kramat Kwitang" (an everyday-word area name joined to another: Kramat Sentiong ...).
    name = "".join(words[j : areas[j]])
    return (
        j - start == 1
        and words[start] not in STREET_HEADS
        and name not in gz.COMMON_WORD_NAMES
        and words[start] not in gz.COMMON_WORD_NAMES
    )


def _label(marker: str) -> str:
    if marker in {"jl", "jln", "jalan", "jalur"}:
        return "Jl."
    return "Gg." if marker in {"gg", "gang"} else marker.title()


def _title(word: str) -> str:
    """A word of a street name as signs write it: titles with their dot, short capitals kept."""
    if word.lower() in HONORIFICS:
        return HONORIFICS[word.lower()]
    if word.isupper() and len(word) <= 4 or is_number(word.lower(), word):
        return word.upper()  # "Jl. KS Tubun", "Petamburan III", "Jl. Anggrek 2A"
    return word.capitalize()


def streets(
    words: list[str], raw: list[str], breaks: set[int], areas: dict[int, int]
) -> tuple[str, list[range]]:
    """The first street/gang named after Jl./Gg. markers, and every street span (for weighting)."""
    # `areas` maps where a Jakarta area name begins to where it ends (see _area_follows).
    spans: list[range] = []
    first = ""
    for i, w in enumerate(words):
        if w not in STREET_MARKERS or i + 1 >= len(words) or i + 1 in breaks:
            continue
        if w in SPELLED_MARKERS and not (
            raw[i + 1][0].isupper()
            or words[i + 1] in {"raya", "tol"}
            or words[i + 1] in HONORIFICS
            or i + 1 in areas
        ):
            continue  # "jalan rusak", "lampu jalan mati": a common noun; not "jalan kemang/kh .."
        j = _street_end(words, raw, breaks, i + 1, areas)
        if all(words[k] in GENERIC_STREET for k in range(i + 1, j)):
            continue  # "pinggir jalan raya": any big road, no name (also when nothing is left)
        spans.append(range(i + 1, j))
        if not first:
            first = f"{_label(w)} {street_name(raw[i + 1 : j])}"
    return first, spans


def street_name(written: list[str]) -> str:
    """The words of a street name as signs write them: 'benhil raya' -> 'Bendungan Hilir Raya',
    'Gn. Sahari' -> 'Gunung Sahari', 'P. Jayakarta' -> 'Pangeran Jayakarta', 'KH. Mas Mansyur'."""
    return " ".join(
        " ".join(spelled_out(word, k == 0) or [_title(word)]) for k, word in enumerate(written)
    )


def rt_rw(lowered: str) -> str:
    """'RT 005/RW 003' from 'rt 5 rw 3', 'RT.05/RW.03', 'rt/rw 05/03'; '' when absent."""
    m = _RT_RW.search(lowered)
    if not m:
        return ""
    rt, rw = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    return f"RT {int(rt):03d}/RW {int(rw):03d}"


def landmark(text: str) -> str:
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
