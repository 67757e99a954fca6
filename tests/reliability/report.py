"""Scenario figures: one JSON line per fault scenario, read back by bench/faults.py and the docs."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: Where figures go unless INTAKE_FAULTS_REPORT names another file (bench/faults.py sets it).
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "var" / "reliability" / "faults.jsonl"
COLUMNS = (
    ("scenario", "scenario", 34),
    ("faults", "faults", 6),
    ("messages_sent", "sent", 6),
    ("reports_created", "reports", 7),
    ("crm_tickets", "tickets", 7),
    ("replies_sent", "replies", 7),
    ("lost", "lost", 4),
    ("duplicated", "dup", 4),
    ("recover_s", "recover s", 9),
)


@dataclass
class Figures:
    """What one scenario sent, what came out, and how long the system took to recover."""

    scenario: str
    messages_sent: int = 0
    reports_created: int = 0
    crm_tickets: int = 0
    replies_sent: int = 0
    lost: int = 0
    duplicated: int = 0
    recover_s: float = 0.0
    faults: int = 0
    notes: dict[str, object] = field(default_factory=dict)
    at: float = field(default_factory=time.time)

    @property
    def clean(self) -> bool:
        """Nothing lost, nothing doubled."""
        return self.lost == 0 and self.duplicated == 0


def report_path() -> Path:
    """The JSONL file figures are appended to."""
    return Path(os.environ.get("INTAKE_FAULTS_REPORT") or DEFAULT_PATH)


def record(figures: Figures) -> Figures:
    """Append one scenario's figures (a JSON line) and return them for the test to assert on."""
    path = report_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(asdict(figures), ensure_ascii=False, sort_keys=True) + "\n")
    return figures


def load(path: Path | None = None) -> list[Figures]:
    """Every recorded scenario, the latest line per scenario name winning."""
    path = path or report_path()
    if not path.exists():
        return []
    latest: dict[str, Figures] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            latest[data["scenario"]] = Figures(**data)
    return list(latest.values())


def table(rows: Iterable[Figures]) -> str:
    """A fixed-width table of the figures (what bench/faults.py prints)."""
    head = " ".join(
        title.rjust(width) if i else title.ljust(width)
        for i, (_, title, width) in enumerate(COLUMNS)
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        cells = []
        for i, (name, _, width) in enumerate(COLUMNS):
            value = getattr(row, name)
            text = f"{value:.1f}" if isinstance(value, float) else str(value)
            cells.append(text.rjust(width) if i else text[:width].ljust(width))
        lines.append(" ".join(cells))
    return "\n".join(lines)
