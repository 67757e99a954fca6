"""The labelled duplicate pairs stay usable: valid labels, consistent pins, a held-out set apart."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from bench.dedupe_data import HOLDOUT_FILE, PAIRS_FILE, holdout_pairs
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
FILES = pytest.mark.parametrize("path", [PAIRS_FILE, HOLDOUT_FILE], ids=lambda p: p.stem)


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


def test_holdout_is_apart_from_the_tuning_set() -> None:
    tuned = _rows(PAIRS_FILE)
    tuned_texts = {r[side] for r in tuned for side in ("a", "b")}
    held = _rows(HOLDOUT_FILE)
    assert all(r["id"].startswith("h") for r in held)
    assert not {r["id"] for r in held} & {r["id"] for r in tuned}
    assert not [r["id"] for r in held if r["a"] in tuned_texts or r["b"] in tuned_texts]


def test_holdout_is_balanced_enough_to_report_per_kind() -> None:
    rows = _rows(HOLDOUT_FILE)
    assert len(rows) >= 100
    same_share = sum(r["same"] for r in rows) / len(rows)
    assert 0.45 <= same_share <= 0.65, same_share
    per_kind = Counter(r["kind"] for r in rows)
    assert set(per_kind) == set(KINDS)
    assert min(per_kind.values()) >= 8, per_kind


def test_holdout_pairs_loads_every_line_with_its_pins() -> None:
    rows = _rows(HOLDOUT_FILE)
    pairs = holdout_pairs()
    assert [p.id for p in pairs] == [r["id"] for r in rows]
    for pair, row in zip(pairs, rows, strict=True):
        assert pair.same is row["same"] and pair.kind == row["kind"]
        for draft, key in ((pair.a, "a_loc"), (pair.b, "b_loc")):
            assert draft.description
            if key in row:
                assert [draft.lat, draft.lon] == row[key], (row["id"], key)
                assert draft.area.kelurahan_code and not draft.area.outside_jakarta, row["id"]
