"""Clean citizen text (greetings, signatures, mentions, hashtags, URLs, emoji, quoted mail), detect
the language and spot emergencies that belong to Jakarta Siaga 112 rather than the CRM."""

from __future__ import annotations

import re
import unicodedata

_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|id|co\.id|go\.id|ly|me)/\S*", re.IGNORECASE
)
_MENTION = re.compile(r"(?<![\w@])@\w{1,30}")
_TRAILING_TAGS = re.compile(r"(?:\s*#\w+)+\s*$")
_HASH = re.compile(r"#(\w+)")
_SPACE = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_REPEAT_PUNCT = re.compile(r"([!?.,])\1{1,}")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.!?;:])")
# Reply history in e-mail: everything from the first quote header on is somebody else's words.
_QUOTE_START = re.compile(
    r"^(?:>|-{2,}\s*(?:original message|pesan asli|forwarded message)|on .{4,80} wrote:|"
    r"pada .{4,80} menulis:|from: |dari: )",
    re.IGNORECASE | re.MULTILINE,
)
# RFC 3676 section 4.3 signature separator ("-- "), and mobile mail footers.
_SIGNATURE_START = re.compile(r"^(?:-- ?$|sent from my|dikirim dari)", re.IGNORECASE | re.MULTILINE)
_GREETING = re.compile(
    r"^\s*(?:(?:assalamu['’]?alaikum|asw|ass)\W*(?:wr\.?\s*wb\.?|warahmatullahi\s+wabarakatuh)?"
    r"|selamat\s+(?:pagi|siang|sore|malam)|salam\s+sejahtera|permisi|maaf\s+mengganggu"
    r"|(?:halo|hallo|hai|hi|hello|dear)\b(?:\s+(?:min|mimin|admin|kak|pak|bu|bapak|ibu))?"
    r"|(?:min|mimin|admin)\b"
    r"|(?:pagi|siang|sore|malam)\s+(?:min|mimin|admin)\b"
    r"|(?:kepada\s+)?yth\.?\s+[^,.\n]{0,60}|dengan\s+hormat)\s*[,.!:;\-]*\s*",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"\n(?:salam|hormat\s+(?:saya|kami)|terima\s*kasih|terimakasih|thanks|thank\s+you|"
    r"wassalam\w*|regards|tabik)\b[^\n]{0,40}(?:\n[^\n]{0,40}){0,3}\s*$",
    re.IGNORECASE,
)
_EMOJI_CATEGORIES = frozenset({"So", "Sk", "Cs", "Co", "Cn"})
_EMOJI_EXTRA = frozenset({"\u200d", "\ufe0f", "\ufe0e", "\u20e3"})


def _strip_emoji(text: str) -> str:
    if text.isascii():
        return text
    return "".join(
        " "
        if ch in _EMOJI_EXTRA
        or (ord(ch) > 0x2000 and unicodedata.category(ch) in _EMOJI_CATEGORIES)
        else ch
        for ch in text
    )


def strip_quoted(text: str) -> str:
    """The message without quoted e-mail history (signature kept: it may hold a phone number)."""
    m = _QUOTE_START.search(text)
    return text[: m.start()] if m and m.start() > 0 else text


def clean(text: str) -> str:
    """The citizen's words without greeting, signature, quoted mail, URLs, mentions, emoji."""
    text = strip_quoted(text.replace("\r\n", "\n"))
    signature = _SIGNATURE_START.search(text)
    if signature and signature.start() > 0:
        text = text[: signature.start()]
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _TRAILING_TAGS.sub("", text)
    text = _HASH.sub(r"\1", text)
    text = _strip_emoji(text)
    text = _REPEAT_PUNCT.sub(r"\1", text)
    for _ in range(3):  # "Halo min, selamat pagi, ..." stacks greetings
        stripped = _GREETING.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    text = _CLOSING.sub("", text)
    text = _SPACE.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _BLANK_LINES.sub("\n", text)
    return "\n".join(line.strip() for line in text.strip().splitlines()).strip(" ,.;:-\n")


_WORD = re.compile(r"[a-z]+")
_ID_WORDS = """yang dan di ke dari ini itu ada tidak sudah belum dengan untuk sangat mohon tolong
jalan warga banyak karena sejak kami saya kita juga bisa akan atau pak bu min sampah rusak banjir
gak nggak tdk yg dgn udah lagi sama kalau kalo buat"""
_EN_WORDS = """the and is are of to in on at for this that there please with has have not been
was were road street near my our it from"""
_STOPWORDS = {"id": frozenset(_ID_WORDS.split()), "en": frozenset(_EN_WORDS.split())}


def detect_language(text: str) -> str:
    """'id', 'en' or 'und' from function words; short Indonesian slang still counts as 'id'."""
    words = _WORD.findall(text.lower())
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=lambda k: scores[k])
    if scores[best] == 0:
        return "und"
    return best if scores[best] > scores["en" if best == "id" else "id"] else "id"


# One pattern per kind; the reply names the kind when it points the citizen to Jakarta Siaga 112.
_EMERGENCY_PATTERNS = (
    ("kebakaran", r"kebakaran|terbakar|dilalap api|api (?:membesar|besar)|ada api|fire"),
    ("tenggelam", r"tenggelam|hanyut|terseret arus|drown\w*"),
    (
        "kecelakaan",
        r"kecelakaan|tabrakan|ditabrak|menabrak|terlindas|tertabrak|laka lantas|accident",
    ),
    (
        "korban_jiwa",
        r"meninggal dunia|tewas|korban jiwa|tidak sadarkan diri|pingsan|berdarah|luka parah",
    ),
    ("bangunan_roboh", r"(?:roboh|ambruk|runtuh)\b.{0,40}\b(?:menimpa|tertimpa|korban)"),
    ("pohon_menimpa", r"pohon\b.{0,30}\b(?:menimpa|tertimpa)"),
    ("gas_bocor", r"gas bocor|kebocoran gas|bau gas"),
    (
        "listrik_bahaya",
        r"tersetrum|kesetrum|tersengat listrik|kabel listrik (?:terbakar|meledak|putus)",
    ),
    ("kriminal", r"perampokan|dirampok|begal|dibegal|penusukan|ditusuk|penculikan|tawuran"),
    ("evakuasi", r"terjebak banjir|butuh evakuasi|minta evakuasi|perlu evakuasi"),
)
EMERGENCY_KINDS = tuple(kind for kind, _ in _EMERGENCY_PATTERNS)
_EMERGENCY = re.compile(
    "|".join(rf"\b(?P<{kind}>{pattern})\b" for kind, pattern in _EMERGENCY_PATTERNS), re.IGNORECASE
)
_NOT_NOW = re.compile(
    r"\b(?:bekas|sisa|pasca|rawan|mencegah|pencegahan|simulasi|latihan)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)
# A risk, not an event: "bisa memicu kecelakaan", "rawan kejahatan dan juga kecelakaan", "takut
# terjadi kebakaran". Such texts are CRM complaints (the cause: a dark or broken road); Jakarta
# Siaga 112 takes what is happening now. A past marker after the risk word ("rawan, tadi pagi
# terjadi kecelakaan") makes it an event again. Risk nouns/adjectives count anywhere in the clause;
# modal and habitual words only right before the emergency word, with at most two linking verbs
# between ("bisa terjadi kecelakaan", not "bisa dibantu, ada kecelakaan").
_RISK = re.compile(
    r"\b(?:berpotensi|potensi|rawan|rentan|risiko|resiko|mengancam|khawatir|kuatir|takut|cemas"
    r"|hampir|nyaris|hindari|menghindari|antisipasi|mencegah|cegah|risk)\b",
    re.IGNORECASE,
)
_MAY = re.compile(
    r"\b(?:bisa|dapat|bisa2|sering|kerap|selalu|setiap|tiap|kalau|kalo|jika|bila|apabila|could"
    r"|might|may|can)(?:\s+(?:memicu|menyebabkan|mengakibatkan|menimbulkan|bikin|membuat|jadi"
    r"|terjadi|ada|timbul|cause|lead|to|result|in|an|a)){0,2}\s*$",
    re.IGNORECASE,
)
_PAST = re.compile(r"\b(?:sudah|sdh|udah|telah|tadi|barusan|baru saja|kemarin|semalam)\b", re.I)
_CLAUSE_END = re.compile(r"[.,;!?\n]")
# "sampah hanyut ke rumah warga": things drift in a flood; a person drowning is the emergency.
_DRIFTING = frozenset(
    """sampah kayu lumpur ranting batang dahan daun barang perabot perabotan kasur plastik eceng
    gondok puing limbah sandal ember""".split()  # noqa: SIM905
)
_PEOPLE = frozenset(
    """anak bocah balita bayi warga orang korban pria wanita remaja pelajar siswa seseorang bapak
    ibu kakek nenek pemuda nelayan pemancing adik kakak pemotor pengendara""".split()  # noqa: SIM905
)


def _clause_before(text: str, start: int) -> str:
    """The words of the clause that leads up to position `start`."""
    head = text[max(0, start - 80) : start]
    ends = list(_CLAUSE_END.finditer(head))
    return head[ends[-1].end() :] if ends else head


def _only_a_risk(clause: str) -> bool:
    """'bisa memicu ', 'rawan kejahatan dan juga ': a possibility, unless a past marker follows."""
    risks = list(_RISK.finditer(clause))
    if risks and not _PAST.search(clause, risks[-1].end()):
        return True
    return bool(_MAY.search(clause))


def _things_drifting(text: str, start: int) -> bool:
    """'sampah hanyut', 'kayu terseret arus': the last noun of the sentence so far is a thing."""
    sentence = re.split(r"[.!?\n]", text[max(0, start - 200) : start])[-1]
    nouns = [w for w in _WORD.findall(sentence.lower()) if w in _DRIFTING or w in _PEOPLE]
    return bool(nouns) and nouns[-1] in _DRIFTING


def detect_emergency(text: str) -> str:
    """'' or the kind of emergency (kebakaran, kecelakaan, tenggelam ...) the text reports."""
    for m in _EMERGENCY.finditer(text):
        clause = _clause_before(text, m.start())
        if _NOT_NOW.search(text[max(0, m.start() - 25) : m.start()]) or _only_a_risk(clause):
            continue
        if m.lastgroup == "tenggelam" and _things_drifting(text, m.start()):
            continue
        return m.lastgroup or ""
    return ""
