"""The labelled duplicate pairs stay usable: valid labels, consistent pins, held-out sets apart."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.dedupe_data import FRESH_FILE, HOLDOUT_FILE, PAIRS_FILE, fresh_pairs, holdout_pairs
from normalizers.contact import extract_contacts, mask_nik
from normalizers.geo import BOUNDS, distance_km

#: Every kind a pair may have, and the label it implies (a kind never mixes labels).
KINDS = {
    "reworded": True,  # same issue, same place, another citizen / channel / style
    "pin_near": True,  # shared location pins within ~100 m, texts name no street or one side only
    "typo": True,  # a misspelt street or kelurahan on one side
    "landmark": True,  # one side names only a landmark (pasar, halte, sekolah) + kelurahan
    "code_mixed": True,  # one side mixes English words in
    "nearby_different": False,  # same kelurahan and category, another street
    "same_street_other_problem": False,  # same street, another problem (other OPD or fix)
    "same_problem_other_place": False,  # (near-)identical wording, another street/kelurahan
    "far_pins": False,  # similar texts, pins 500 m or more apart
}
NEAR_KM, FAR_KM = 0.15, 0.5
FILES = pytest.mark.parametrize(
    "path", [PAIRS_FILE, HOLDOUT_FILE, FRESH_FILE], ids=lambda p: p.stem
)
#: Each untuned set: its id prefix and the sets written before it, which it must not repeat.
APART = pytest.mark.parametrize(
    ("path", "prefix", "earlier"),
    [(HOLDOUT_FILE, "h", [PAIRS_FILE]), (FRESH_FILE, "f", [PAIRS_FILE, HOLDOUT_FILE])],
    ids=["holdout", "fresh"],
)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@FILES
def test_ids_unique_and_both_sides_are_complaints(path: Path) -> None:
    rows = _rows(path)
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert isinstance(r["same"], bool), r["id"]
        for side in ("a", "b"):
            assert len(r[side].split()) >= 5, (r["id"], side)
        assert r["a"].strip().lower() != r["b"].strip().lower(), r["id"]


@FILES
def test_kinds_come_from_the_fixed_list_and_agree_with_the_label(path: Path) -> None:
    for r in _rows(path):
        assert r["kind"] in KINDS, r["id"]
        assert r["same"] is KINDS[r["kind"]], r["id"]


@FILES
def test_pins_lie_in_jakarta_and_match_their_kind(path: Path) -> None:
    south, north, west, east = BOUNDS
    for r in _rows(path):
        pins = [r[key] for key in ("a_loc", "b_loc") if key in r]
        for lat, lon in pins:
            assert south <= lat <= north and west <= lon <= east, r["id"]
        if r["kind"] in ("pin_near", "far_pins"):
            assert len(pins) == 2, r["id"]
            km = distance_km(*pins[0], *pins[1])
            assert km <= NEAR_KM if r["kind"] == "pin_near" else km >= FAR_KM, (r["id"], km)


@FILES
def test_texts_carry_no_contact_data_or_nik(path: Path) -> None:
    for r in _rows(path):
        for text in (r["a"], r["b"]):
            found = extract_contacts(text)
            assert not (found.phones or found.emails or found.handles), r["id"]
            assert mask_nik(text) == text and not re.search(r"\b\d{16}\b", text), r["id"]


@APART
def test_untuned_sets_are_apart_from_the_earlier_ones(
    path: Path, prefix: str, earlier: list[Path]
) -> None:
    before = [r for other in earlier for r in _rows(other)]
    before_texts = {r[side] for r in before for side in ("a", "b")}
    held = _rows(path)
    assert all(r["id"].startswith(prefix) for r in held)
    assert not {r["id"] for r in held} & {r["id"] for r in before}
    assert not [r["id"] for r in held if r["a"] in before_texts or r["b"] in before_texts]


@pytest.mark.parametrize(
    ("path", "min_rows", "min_per_kind"),
    [(HOLDOUT_FILE, 100, 8), (FRESH_FILE, 150, 12)],
    ids=["holdout", "fresh"],
)
def test_untuned_sets_are_balanced_enough_to_report_per_kind(
    path: Path, min_rows: int, min_per_kind: int
) -> None:
    rows = _rows(path)
    assert len(rows) >= min_rows
    same_share = sum(r["same"] for r in rows) / len(rows)
    assert 0.45 <= same_share <= 0.65, same_share
    per_kind = Counter(r["kind"] for r in rows)
    assert set(per_kind) == set(KINDS)
    assert min(per_kind.values()) >= min_per_kind, per_kind


@pytest.mark.parametrize(
    ("path", "load"),
    [(HOLDOUT_FILE, holdout_pairs), (FRESH_FILE, fresh_pairs)],
    ids=["holdout", "fresh"],
)
def test_untuned_pairs_load_every_line_with_its_pins(path: Path, load: Callable[[], list]) -> None:
    rows = _rows(path)
    pairs = load()
    assert [p.id for p in pairs] == [r["id"] for r in rows]
    for pair, row in zip(pairs, rows, strict=True):
        assert pair.same is row["same"] and pair.kind == row["kind"]
        for draft, key in ((pair.a, "a_loc"), (pair.b, "b_loc")):
            assert draft.description
            if key in row:
                assert [draft.lat, draft.lon] == row[key], (row["id"], key)
                assert draft.area.kelurahan_code and not draft.area.outside_jakarta, row["id"]
