"""Accuracy and speed of the normalizers on the labelled development set (tests/data/dev_set.jsonl).

Run: .venv/bin/python bench/normalize.py [--repeat N] [--errors]
Prints kelurahan and kecamatan accuracy (on texts that name one), confident-wrong rate,
has-address precision/recall, outside-Jakarta recall, category accuracy, and texts/s for
build_draft on one core.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.contract import InboundMessage  # noqa: E402
from normalizers.report import build_draft  # noqa: E402

DEV_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "dev_set.jsonl"
CONFIDENT = 0.8


def _ratio(hit: int, total: int) -> str:
    return f"{hit}/{total} = {hit / total:.1%}" if total else "n/a"


def evaluate(rows: list[dict], show_errors: bool) -> dict[str, tuple[int, int]]:
    """Count hits per measure; print the misses when asked."""
    c = {k: [0, 0] for k in ("kel", "kec", "confident_wrong", "addr_p", "addr_r", "cat", "outside")}
    for row in rows:
        d = build_draft(InboundMessage(channel="bench", external_id=row["id"], text=row["text"]))
        a = d.area
        checks = []
        if row["kelurahan_code"]:
            checks.append(("kel", a.kelurahan_code == row["kelurahan_code"]))
        if row["kecamatan_code"]:
            checks.append(("kec", a.kecamatan_code == row["kecamatan_code"]))
        if row["has_address"]:
            checks.append(("addr_r", a.has_address))
        if a.has_address:
            checks.append(("addr_p", bool(row["has_address"])))
        if row.get("outside_jakarta"):
            checks.append(("outside", a.outside_jakarta))
        checks.append(("cat", d.category == row["category"]))
        wrong_kel = a.kelurahan_code and a.kelurahan_code != row["kelurahan_code"]
        checks.append(("confident_wrong", not (a.confidence >= CONFIDENT and wrong_kel)))
        for name, ok in checks:
            c[name][1] += 1
            c[name][0] += int(ok)
            if show_errors and not ok:
                kel, kec = a.kelurahan_name or "-", a.kecamatan_name or "-"
                got = f"kel={kel} kec={kec} conf={a.confidence}"
                print(f"  [{name}] {row['id']} {got} cat={d.category} | {row['text'][:110]}")
    return {k: (v[0], v[1]) for k, v in c.items()}


def speed(rows: list[dict], repeat: int) -> float:
    """Texts per second through build_draft (single process, so one core)."""
    msgs = [InboundMessage(channel="bench", external_id=r["id"], text=r["text"]) for r in rows]
    start = time.perf_counter()
    for _ in range(repeat):
        for m in msgs:
            build_draft(m)
    return len(msgs) * repeat / (time.perf_counter() - start)


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--errors", action="store_true", help="list every miss")
    args = parser.parse_args()
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line]
    r = evaluate(rows, args.errors)
    confident_wrong = r["confident_wrong"][1] - r["confident_wrong"][0]
    print(f"dev set: {len(rows)} texts ({sum(1 for x in rows if x['paraphrased'])} paraphrased)")
    print(f"kelurahan accuracy (texts naming one): {_ratio(*r['kel'])}")
    print(f"kecamatan accuracy (texts naming one): {_ratio(*r['kec'])}")
    print(f"confident wrong kelurahan (conf >= {CONFIDENT}): {_ratio(confident_wrong, len(rows))}")
    print(f"has-address precision: {_ratio(*r['addr_p'])}")
    print(f"has-address recall:    {_ratio(*r['addr_r'])}")
    print(f"outside-Jakarta recall: {_ratio(*r['outside'])}")
    print(f"category accuracy: {_ratio(*r['cat'])}")
    print(f"speed: {speed(rows, args.repeat):,.0f} texts/s (build_draft, one core)")


if __name__ == "__main__":
    main()
