"""Weigh the area names found in a text and decide kota/kecamatan/kelurahan with a confidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from normalizers import gazetteer as gz
from normalizers.area import AreaMatch

if TYPE_CHECKING:
    from normalizers.address import Mention

# How much one mention says, by how it was written (tuned on general rules, not on the dev set).
WEIGHT_MARKED = 3.0  # "Kel. Cideng", "Kecamatan Tebet"
WEIGHT_PLAIN = 2.0  # "di Cideng"
WEIGHT_COMMON = 0.4  # "tengah", "baru" without a marker: usually just a word
STREET_FACTOR = 0.4  # "Jl. Kramat Raya": streets carry area names far beyond the area
# "Kali Baru Timur, Kapuk": no "Jl." but a name grown into a street or part of town; it may
# still be the area meant ("Kemang Utara"), so weaker than a plain name, stronger than a street.
STREET_LIKE_FACTOR = 0.7
FUZZY_FACTOR = 0.85
ASIDE_FACTOR = 0.3  # "arah Kampung Rambutan", "Camat Kalideres", "Cilincing-Marunda"
COMPETITOR_CAP = 0.7  # another kelurahan of the same kecamatan is named too
# A misspelt name without "Kel."/"Kec." before it ("duri kosambhi"): likely right, but a person
# confirms it (below the 0.8 that routes without one, pipeline/completeness.py).
TYPO_CAP = 0.75
SHARED_FACTOR = 0.7  # the name means several areas of the same level
MIN_KELURAHAN_SCORE = 0.7
CONFLICT_KEC, CONFLICT_KOTA = 1.5, 1.0
TIE = 0.3


@dataclass(slots=True)
class Evidence:
    """One reading of one mention: this code, at this weight, from mention number `source`."""

    code: str
    weight: float
    source: int
    dual: bool  # the same words also name an area of another level ("Menteng": kel and kec)


def _weight(m: Mention, same_level: int) -> float:
    w = WEIGHT_MARKED if m.marker else WEIGHT_COMMON if m.common_word else WEIGHT_PLAIN
    if m.in_street and not m.marker and not m.names_street:
        w *= STREET_FACTOR
    elif m.street_like or m.names_street:
        w *= STREET_LIKE_FACTOR
    if m.fuzzy:
        w *= FUZZY_FACTOR
    if m.aside:
        w *= ASIDE_FACTOR
    if same_level > 1:
        w *= SHARED_FACTOR
    return w


def _readings(mentions: Sequence[Mention]) -> dict[str, list[Evidence]]:
    by_level: dict[str, list[Evidence]] = {"kota": [], "kecamatan": [], "kelurahan": []}
    for idx, m in enumerate(mentions):
        codes = list(m.codes)
        if m.marker in by_level and any(gz.AREAS[c].level == m.marker for c in codes):
            codes = [c for c in codes if gz.AREAS[c].level == m.marker]
        levels = {gz.AREAS[c].level for c in codes}
        for c in codes:
            level = gz.AREAS[c].level
            same = sum(1 for x in codes if gz.AREAS[x].level == level)
            by_level[level].append(Evidence(c, _weight(m, same), idx, len(levels) > 1))
    return by_level


def _best(evidence: list[Evidence]) -> dict[str, Evidence]:
    best: dict[str, Evidence] = {}
    for ev in evidence:
        if ev.code not in best or ev.weight > best[ev.code].weight:
            best[ev.code] = ev
    return best


def _context(code: str, source: int, parent: dict[str, Evidence], strong: float) -> float:
    """Support (+) or conflict (-) from a parent area named elsewhere in the text."""
    others = {c: e for c, e in parent.items() if e.source != source}
    if not others:
        return 0.0
    if code in others:
        return others[code].weight * 0.5
    return -strong if max(e.weight for e in others.values()) >= WEIGHT_PLAIN else 0.0


def _score_kelurahan(kel: dict[str, Evidence], kec: dict[str, Evidence], kota: dict[str, Evidence]):
    scored = []
    for code, ev in kel.items():
        area = gz.AREAS[code]
        s_kec = _context(area.kecamatan_code, ev.source, kec, CONFLICT_KEC)
        s_kota = _context(area.kota_code, ev.source, kota, CONFLICT_KOTA)
        scored.append((ev.weight + s_kec + s_kota, code, ev, s_kec + s_kota))
    return sorted(scored, key=lambda t: -t[0])


_CONFIDENCE_STEPS = (  # (minimum mention weight, confidence before context)
    (WEIGHT_MARKED, 0.9),
    (WEIGHT_MARKED * FUZZY_FACTOR, 0.85),
    (WEIGHT_PLAIN, 0.84),
    (WEIGHT_PLAIN * FUZZY_FACTOR, 0.78),
    (WEIGHT_PLAIN * SHARED_FACTOR, 0.62),
    (0.0, 0.45),
)


def _confidence(weight: float, support: float, dual: bool, margin: float) -> float:
    conf = next(c for w, c in _CONFIDENCE_STEPS if weight >= w)
    conf += 0.07 if support > 0 else -0.35 if support < 0 else 0.0
    if dual:  # "Menteng" names a kelurahan and the kecamatan around it: either may be meant
        conf = min(conf, 0.65)
    if margin < 0.5:
        conf = min(conf, 0.6)
    return round(max(0.05, min(conf, 0.98)), 2)


def _fill(match: AreaMatch, code: str) -> None:
    area = gz.AREAS[code]
    kota = gz.AREAS[area.kota_code]
    match.kota_code, match.kota_name = kota.code, kota.name
    if area.level in {"kecamatan", "kelurahan"}:
        kec = gz.AREAS[area.kecamatan_code]
        match.kecamatan_code, match.kecamatan_name = kec.code, kec.name
    if area.level == "kelurahan":
        match.kelurahan_code, match.kelurahan_name = area.code, area.name
        match.postal_code = area.postal_code


def candidate(code: str, score: float) -> dict[str, object]:
    """A possible kelurahan, as shown to an admin when the text is ambiguous."""
    area = gz.AREAS[code]
    return {
        "kelurahan_code": code,
        "kelurahan_name": area.name,
        "kecamatan_name": gz.AREAS[area.kecamatan_code].name,
        "kota_name": gz.AREAS[area.kota_code].name,
        "score": round(score, 2),
    }


def _typo_capped(confidence: float, m: Mention) -> float:
    """The confidence, capped when it rests on a misspelt name the writer did not mark."""
    return min(confidence, TYPO_CAP) if m.fuzzy and not m.marker else confidence


def _decide_upper(
    match: AreaMatch,
    kec: dict[str, Evidence],
    kota: dict[str, Evidence],
    mentions: Sequence[Mention],
) -> AreaMatch:
    """No kelurahan: settle for the kecamatan, else the kota."""
    scored = sorted(
        (
            (ev.weight + _context(gz.AREAS[c].kota_code, ev.source, kota, CONFLICT_KOTA), c, ev)
            for c, ev in kec.items()
        ),
        key=lambda t: -t[0],
    )
    if scored and scored[0][0] >= MIN_KELURAHAN_SCORE:
        score, code, ev = scored[0]
        margin = score - scored[1][0] if len(scored) > 1 else 9.0
        _fill(match, code)
        match.confidence = _confidence(ev.weight, score - ev.weight, False, margin)
        match.confidence = _typo_capped(match.confidence, mentions[ev.source])
    elif kota:
        code, ev = max(kota.items(), key=lambda kv: kv[1].weight)
        _fill(match, code)
        match.confidence = 0.9 if ev.weight >= WEIGHT_PLAIN else 0.6
    match.candidates = [
        candidate(k.code, 0.0) for _, c, _ev in scored[:1] for k in gz.kelurahan_in(c)
    ][:12]
    return match


def decide(mentions: Sequence[Mention]) -> AreaMatch:
    """The most plausible Jakarta area from the mentions, or the text flagged as outside."""
    match = AreaMatch()
    readings = _readings(mentions)
    kel, kec, kota = (_best(readings[lv]) for lv in ("kelurahan", "kecamatan", "kota"))
    outside = [m for m in mentions if m.outside and not m.in_street and not m.aside]
    strong_jakarta = any(
        e.weight >= WEIGHT_PLAIN for e in (*kel.values(), *kec.values(), *kota.values())
    )
    # "Kabupaten Bekasi", "Kel. Duren Mekar" are outside for sure; so is "..., Cipayung, Depok":
    # addresses run from small to large, so a city named after the Jakarta names has the last word.
    outside_marked = any(m.marker for m in outside)
    last_jakarta = max((m.end for m in mentions if m.codes and not m.aside), default=-1)
    outside_last = any(m.start >= last_jakarta for m in outside)
    if outside and (not strong_jakarta or not kota and (outside_marked or outside_last)):
        match.outside_jakarta, match.outside_region, match.source = True, outside[0].outside, "text"
        return match
    if not (kel or kec or kota):
        return match
    match.source = "text"
    scored = [t for t in _score_kelurahan(kel, kec, kota) if t[0] >= MIN_KELURAHAN_SCORE]
    if not scored:
        return _decide_upper(match, kec, kota, mentions)
    score, code, ev, support = scored[0]
    margin = score - scored[1][0] if len(scored) > 1 else 9.0
    near = [t for t in scored if score - t[0] < TIE]
    plain = [t for t in near if not t[2].dual]
    if plain and len(plain) < len(near):
        # "Jl Meruya Selatan, Kembangan": a name that is also a kecamatan, written after a
        # kelurahan of it, is read as that kecamatan (addresses run from small to large).
        near = plain
        score, code, ev, support = plain[0]
    tied = [c for _, c, _, _ in near]
    if len(tied) > 1 and len({gz.AREAS[c].kecamatan_code for c in tied}) == 1:
        # "Sunter", "Tebet": the kecamatan is clear, the kelurahan is not; let a person choose.
        _fill(match, gz.AREAS[code].kecamatan_code)
        match.confidence = _typo_capped(
            _confidence(ev.weight, support, False, 9.0), mentions[ev.source]
        )
        match.candidates = [candidate(c, s) for s, c, _, _ in scored[:5]]
        return match
    _fill(match, code)
    match.confidence = _typo_capped(
        _confidence(ev.weight, support, ev.dual, margin), mentions[ev.source]
    )
    if outside:
        match.confidence = round(min(match.confidence, 0.6), 2)
    rivals = [
        c
        for c, e in kel.items()
        if c != code and e.source != ev.source and e.weight >= WEIGHT_COMMON and not e.dual
    ]
    if ev.weight < WEIGHT_MARKED and any(
        gz.AREAS[c].kecamatan_code == gz.AREAS[code].kecamatan_code for c in rivals
    ):
        match.confidence = round(min(match.confidence, COMPETITOR_CAP), 2)
    if match.confidence < 0.8:
        match.candidates = [candidate(c, s) for s, c, _, _ in scored[:5]]
    return match
