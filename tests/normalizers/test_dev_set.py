"""The labelled development set stays usable: valid labels, provenance on every item, no PII."""

from __future__ import annotations

import json
import re
from pathlib import Path

from normalizers import gazetteer as gz
from normalizers.category import CATEGORIES
from normalizers.contact import extract_contacts, mask_nik

DEV_SET = Path(__file__).resolve().parents[1] / "data" / "dev_set.jsonl"


def _rows() -> list[dict]:
    return [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line]


def test_at_least_two_hundred_items_with_valid_labels_and_provenance() -> None:
    rows = _rows()
    assert len(rows) >= 200
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["category"] in CATEGORIES, r["id"]
        assert r["source_url"], r["id"]
        assert isinstance(r["paraphrased"], bool) and isinstance(r["has_address"], bool)
        for key in ("kelurahan_code", "kecamatan_code", "kota_code"):
            assert not r[key] or r[key] in gz.AREAS, (r["id"], key)
        if r["kelurahan_code"]:
            assert r["kelurahan_code"].startswith(r["kecamatan_code"] + "."), r["id"]
        if r["outside_jakarta"]:
            assert not r["kelurahan_code"], r["id"]


def test_items_carry_no_contact_data_or_nik() -> None:
    for r in _rows():
        found = extract_contacts(r["text"])
        assert not (found.phones or found.emails or found.handles), r["id"]
        assert mask_nik(r["text"]) == r["text"], r["id"]
        assert not re.search(r"\b\d{16}\b", r["text"]), r["id"]
