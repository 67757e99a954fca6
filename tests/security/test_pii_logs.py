"""No personal data in logs: a full `intake replay` at DEBUG, its whole stderr scanned.

The complaints carry names, mobile numbers in the ways people write them, e-mail addresses and
NIKs, in the text and in the sender fields; the run goes through normalize, triage, the CRM
push and the replies. UU 27/2022 (Pelindungan Data Pribadi) is why none may reach a log line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.intake.replay_support import Run, outcomes

NAMES = ["Siti Rahmawati", "Bambang Sutrisno", "Dewi Lestari"]
PHONES = ["+6281234567890", "0812-3456-7891", "0812 3456 7892", "628123456789"]
EMAILS = ["siti.rahma@example.co.id", "bambang_s@example.org"]
NIKS = ["3174015708900003", "3171 0212 8500 0004"]


def _lines() -> list[dict[str, object]]:
    base = "Jalan berlubang di Jl. Kebon Sirih RT 02 RW 03 Kelurahan Kebon Sirih, Menteng."
    lines = []
    for n, name in enumerate(NAMES):
        phone, email, nik = PHONES[n % len(PHONES)], EMAILS[n % len(EMAILS)], NIKS[n % len(NIKS)]
        lines.append(
            {
                "external_id": f"pii-{n}",
                "received_at": "2026-11-23T08:00:00+07:00",
                "sender": {"handle": phone, "name": name},
                "text": f"Saya {name}, NIK {nik}, hubungi {phone} atau {email}. {base}",
            }
        )
    lines.append(
        {  # contact details only in the sender fields
            "external_id": "pii-9",
            "received_at": "2026-11-23T08:05:00+07:00",
            "sender": {"handle": EMAILS[1], "name": NAMES[0]},
            "text": f"Mohon bantuan, WA saya {PHONES[3]}. {base}",
        }
    )
    lines.append({"external_id": "pii-bad", "text": f"rusak {NIKS[0]}", "location": "x"})
    return lines


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_full_replay_logs_no_personal_data(tmp_path: Path) -> None:
    path = tmp_path / "pii.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in _lines()) + "\n")
    run = Run(tmp_path)
    env = run.env() | {"INTAKE_LOG_LEVEL": "DEBUG", "INTAKE_LOG_FORMAT": "json"}
    run.env = lambda: env  # type: ignore[method-assign]
    result = run.replay(path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(outcomes(result.stdout)) == 4
    logs = result.stderr
    assert logs.count("\n") > 20, "the run logged almost nothing: the scan would prove nothing"
    leaks = [s for s in [*NAMES, *EMAILS] if s.lower() in logs.lower()]
    leaks += [name.split()[0] for name in NAMES if re.search(rf"\b{name.split()[0]}\b", logs)]
    squeezed = _digits(logs)
    leaks += [p for p in [*PHONES, *NIKS] if _digits(p)[-9:] in squeezed]
    assert leaks == [], f"personal data in logs: {leaks}"
