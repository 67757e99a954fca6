"""GET /admin/api/gazetteer?q=: typo-tolerant kelurahan/kecamatan/kota lookup, JSON or <option>s."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup
from rapidfuzz import fuzz, process

from normalizers import gazetteer as gz
from web.review import i18n
from web.review.auth import current_user
from web.review.templating import lang_of

router = APIRouter()
MAX_RESULTS = 10
MIN_SCORE = 75.0
LEVEL_ORDER = {"kelurahan": 0, "kecamatan": 1, "kota": 2}
#: A kelurahan found through its kecamatan or kota ranks below one found by its own name.
PARENT_WEIGHT = {"kecamatan": 0.95, "kota": 0.9}


@dataclass(frozen=True)
class Suggestion:
    """One area the user may mean, with its codes and a label people recognise."""

    code: str
    name: str
    level: str
    kecamatan_code: str
    kecamatan_name: str
    kota_code: str
    kota_name: str
    postal_code: str
    label: str
    score: float


def _suggestion(area: gz.Area, score: float) -> Suggestion:
    kec = gz.AREAS.get(area.kecamatan_code) if area.level == "kelurahan" else None
    kota = gz.AREAS[area.kota_code]
    parts = [
        area.name,
        f"Kec. {kec.name}" if kec else "",
        "" if area.level == "kota" else kota.name,
    ]
    prefix = {"kelurahan": "Kel. ", "kecamatan": "Kec. ", "kota": ""}[area.level]
    return Suggestion(
        code=area.code,
        name=area.name,
        level=area.level,
        kecamatan_code=area.kecamatan_code if area.level != "kota" else "",
        kecamatan_name=gz.AREAS[area.kecamatan_code].name if area.level != "kota" else "",
        kota_code=area.kota_code,
        kota_name=kota.name,
        postal_code=area.postal_code,
        label=prefix + ", ".join(p for p in parts if p),
        score=round(score, 1),
    )


@cache
def _keys() -> tuple[list[str], list[str]]:
    """Folded search keys and the area code each one names (names, then kota aliases)."""
    keys, codes = [], []
    for area in gz.AREAS.values():
        keys.append(gz.fold(area.name))
        codes.append(area.code)
    for alias, targets in gz.NAME_INDEX.items():
        for code in targets:
            if gz.AREAS.get(code) and gz.AREAS[code].level == "kota":
                keys.append(alias)
                codes.append(code)
    return keys, codes


def _scores(query: str) -> dict[str, float]:
    """Best score per area code; prefixes of a name count as a full match (autocomplete)."""
    keys, codes = _keys()
    found = process.extract(query, keys, scorer=fuzz.WRatio, limit=None, score_cutoff=MIN_SCORE)
    best: dict[str, float] = {}
    for key, score, index in found:
        if key.startswith(query) or key.replace(" ", "").startswith(query.replace(" ", "")):
            score = max(score, 100.0)
        best[codes[index]] = max(best.get(codes[index], 0.0), score)
    return best


def search(query: str, level: str = "", limit: int = MAX_RESULTS) -> list[Suggestion]:
    """Areas matching `query`, best first; level="kelurahan" expands matched kecamatan/kota."""
    folded = gz.fold(query)
    if len(folded) < 2:
        return []
    scores = _scores(folded)
    if level == "kelurahan":
        for code, score in list(scores.items()):
            parent = gz.AREAS[code]
            if parent.level == "kelurahan":
                continue
            for kel in gz.kelurahan_in(code):
                inherited = score * PARENT_WEIGHT[parent.level]
                scores[kel.code] = max(scores.get(kel.code, 0.0), inherited)
    ranked = sorted(
        (gz.AREAS[code] for code in scores if not level or gz.AREAS[code].level == level),
        key=lambda a: (-scores[a.code], LEVEL_ORDER[a.level], a.name),
    )
    return [_suggestion(a, scores[a.code]) for a in ranked[:limit]]


def options_html(suggestions: list[Suggestion], placeholder: str, select_first: bool) -> Markup:
    """<option> elements for a kelurahan <select> (htmx swaps them in; names escaped)."""
    rows = [Markup('<option value="">{}</option>').format(placeholder)]
    rows += [
        Markup('<option value="{}"{}>{}</option>').format(
            s.code, Markup(" selected") if select_first and i == 0 else "", s.label
        )
        for i, s in enumerate(suggestions)
    ]
    return Markup("\n").join(rows)


@cache
def every_kelurahan() -> list[Suggestion]:
    """All 267 kelurahan by name: the full list when nothing (or nothing known) is typed."""
    return sorted((_suggestion(k, 0.0) for k in gz.KELURAHAN), key=lambda s: (s.name, s.code))


@router.get("/api/gazetteer")
def gazetteer_api(
    request: Request,
    q: str = Query("", max_length=100),
    level: str = Query("", pattern="^(|kelurahan|kecamatan|kota)$"),
    format: str = Query("json", pattern="^(json|html)$"),  # noqa: A002 - the query parameter
    _user: object = Depends(current_user),
) -> Response:
    """Up to ten areas for what was typed (any logged-in user; the data is public)."""
    if format == "html" or request.headers.get("HX-Request"):
        found = search(q, level or "kelurahan")
        # A cleared box or a query that matches nothing gives the full list back, never an
        # empty select the officer cannot choose from.
        key = "gz_pick" if found or len(gz.fold(q)) < 2 else "gz_none"
        placeholder = i18n.translate(lang_of(request), key)
        return HTMLResponse(options_html(found or every_kelurahan(), placeholder, bool(found)))
    found = search(q, level)
    return JSONResponse({"query": q, "results": [asdict(s) for s in found]})
