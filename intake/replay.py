"""`intake replay FILE.jsonl`: feed a file through the whole pipeline and print each outcome."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from config.settings import Settings
from connectors.contract import InboundMessage, Location, MediaRef, Sender
from connectors.intake import accept
from pipeline.db import get_engine
from pipeline.models import InboxMessage, OutboxReply, Report

#: Report states after which nothing more happens without a person.
SETTLED_REPORT_STATES = {"pushed", "needs_review", "needs_info", "duplicate", "rejected", "dead"}
OUTCOME = {
    "pushed": "pushed",
    "needs_review": "needs_review",
    "needs_info": "needs_info",
    "duplicate": "duplicate",
    "rejected": "rejected",
    "dead": "failed",
}


class BadLine(ValueError):
    """A replay line that is not a message."""


@dataclass
class Item:
    """One input line and where it went."""

    line_no: int
    channel: str
    external_id: str
    inbox_id: int = 0


def parse_line(raw: str) -> InboundMessage:
    """A JSONL line -> InboundMessage (channel "import" unless the line names one)."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadLine(f"not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise BadLine("not a JSON object")
    if not str(data.get("external_id") or "").strip():
        raise BadLine("external_id is missing")
    try:
        sender = data.get("sender") or {}
        location = data.get("location")
        # A line without received_at is stamped with the time of import (the model's default).
        when = {"received_at": data["received_at"]} if data.get("received_at") else {}
        return InboundMessage(
            channel=data.get("channel") or "import",
            external_id=str(data["external_id"]),
            **when,
            sender=Sender(
                handle=str(sender.get("handle") or ""), name=str(sender.get("name") or "")
            ),
            text=str(data.get("text") or ""),
            location=Location(lat=location["lat"], lon=location["lon"]) if location else None,
            media=[MediaRef(path=str(p)) for p in data.get("photos") or []],
            conversation_id=str(data.get("conversation_id") or ""),
            raw=data,
        )
    except (ValidationError, KeyError, TypeError, AttributeError) as exc:
        raise BadLine(_short_error(exc)) from None


def _short_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
    return f"{type(exc).__name__}: {exc}"


def read_items(path: Path, err: TextIO) -> Iterator[tuple[Item, InboundMessage]]:
    """Valid lines as (item, message); malformed ones reported on `err` with their number."""
    with path.open(encoding="utf-8") as fh:
        for line_no, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                msg = parse_line(raw)
            except BadLine as exc:
                print(f"{path}:{line_no}: skipped malformed line: {exc}", file=err)
                continue
            yield Item(line_no, msg.channel, msg.external_id), msg


#: The report columns an outcome line needs (not the normalizer's JSON: polls stay cheap).
OUTCOME_COLUMNS = (
    "state",
    "reference",
    "tracking_number",
    "duplicate_of",
    "reasons",
    "kota_code",
    "kecamatan_code",
    "kelurahan_code",
    "category",
)


def _status(
    inbox_ids: list[int], columns: tuple[str, ...] = OUTCOME_COLUMNS
) -> dict[int, dict[str, Any]]:
    """Per inbox id: its state, its report's fields, and whether replies are still due."""
    found: dict[int, dict[str, Any]] = {}
    with get_engine().connect() as conn:
        for start in range(0, len(inbox_ids), 900):
            chunk = inbox_ids[start : start + 900]
            rows = conn.execute(
                select(InboxMessage.id, InboxMessage.state, *(getattr(Report, c) for c in columns))
                .select_from(InboxMessage)
                .outerjoin(Report, Report.id == InboxMessage.report_id)
                .where(InboxMessage.id.in_(chunk))  # type: ignore[union-attr]
            ).all()
            replies = conn.execute(
                select(OutboxReply.inbox_message_id, OutboxReply.state).where(
                    OutboxReply.inbox_message_id.in_(chunk),  # type: ignore[union-attr]
                    OutboxReply.state.in_(["pending", "sending", "dead"]),  # type: ignore[attr-defined]
                )
            ).all()
            pending = {i for i, state in replies if state != "dead"}
            dead = {i for i, state in replies if state == "dead"}
            for inbox_id, inbox_state, *report_cols in rows:
                found[inbox_id] = {
                    "inbox_state": inbox_state,
                    "report": _report_dict(columns, report_cols),
                    "replies_due": inbox_id in pending,
                    "reply_failed": inbox_id in dead,
                }
    return found


def _report_dict(columns: tuple[str, ...], values: list[Any]) -> dict[str, Any] | None:
    if not values or values[0] is None:
        return None
    return dict(zip(columns, values, strict=True))


def is_settled(status: dict[str, Any]) -> bool:
    """Nothing more will happen to this message without a person (or a new message)."""
    if status["replies_due"]:
        return False
    if status["inbox_state"] in {"malformed", "held", "ignored", "failed"}:
        return True
    report = status["report"]
    return status["inbox_state"] == "processed" and (
        report is None or report["state"] in SETTLED_REPORT_STATES
    )


def outcome_of(status: dict[str, Any]) -> str:
    """The outcome word of one message: its report's state, or what became of a non-report."""
    report = status.get("report")
    if report:
        return OUTCOME.get(report["state"], "failed")
    inbox_state = status.get("inbox_state")
    if inbox_state == "held":
        # Rate-limited: the sweeper releases it after the hold (or ops do, past the daily cap).
        return "held"
    if inbox_state == "processed" and not (status.get("replies_due") or status.get("reply_failed")):
        # Only a chat command (STATUS <nomor>, /start) is processed without a report
        # (pipeline/stages.py process_message): its answer went out, nothing was reported.
        return "answered"
    return "failed"


def outcome_line(
    item: Item, status: dict[str, Any], duplicate_refs: dict[int, str]
) -> dict[str, Any]:
    """The JSON line printed for one input."""
    report = status.get("report") or {}
    return {
        "external_id": item.external_id,
        "channel": item.channel,
        "outcome": outcome_of(status),
        "reference": report.get("reference"),
        "tracking_number": report.get("tracking_number") or None,
        "duplicate_of": duplicate_refs.get(report.get("duplicate_of") or 0),
        "reasons": report.get("reasons") or [],
        "kota_code": report.get("kota_code") or None,
        "kecamatan_code": report.get("kecamatan_code") or None,
        "kelurahan_code": report.get("kelurahan_code") or None,
        "category": report.get("category"),
    }


def _duplicate_refs(statuses: dict[int, dict[str, Any]]) -> dict[int, str]:
    ids = {
        s["report"]["duplicate_of"]
        for s in statuses.values()
        if s["report"] and s["report"].get("duplicate_of")
    }
    if not ids:
        return {}
    with get_engine().connect() as conn:
        rows = conn.execute(
            select(Report.id, Report.reference, Report.tracking_number).where(Report.id.in_(ids))
        ).all()  # type: ignore[union-attr]
    return {rid: (tracking or ref) for rid, ref, tracking in rows}


def run(
    path: Path,
    settings: Settings,
    *,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    timeout_s: float = 3600.0,
    max_in_flight: int = 2000,
) -> dict[str, int]:
    """Ingest every line, wait until all have settled, print outcomes; returns the summary."""
    from pipeline import sweeper  # noqa: PLC0415

    sweeper.sweep(settings, older_than=timedelta(0), sending_older_than=timedelta(seconds=30))
    items: list[Item] = []
    unsettled: set[int] = set()
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_console(err),
        transient=False,
    )
    with progress:
        ingest = progress.add_task("ingest", total=None)
        settle = progress.add_task("settle", total=None)
        for item, msg in read_items(path, err):
            item.inbox_id = accept(msg).inbox_id
            items.append(item)
            unsettled.add(item.inbox_id)
            progress.advance(ingest)
            if len(unsettled) >= max_in_flight:
                _settle(
                    unsettled, progress, settle, settings, timeout_s, low_water=max_in_flight // 2
                )
        progress.update(ingest, total=len(items))
        progress.update(settle, total=len({i.inbox_id for i in items}))
        _settle(unsettled, progress, settle, settings, timeout_s, low_water=0)
    statuses = _status([i.inbox_id for i in items])
    refs = _duplicate_refs(statuses)
    summary: dict[str, int] = {}
    for item in items:
        line = outcome_line(item, statuses[item.inbox_id], refs)
        summary[line["outcome"]] = summary.get(line["outcome"], 0) + 1
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    out.flush()
    return summary


def _settle(
    unsettled: set[int],
    progress: Progress,
    task: Any,
    settings: Settings,
    timeout_s: float,
    low_water: int,
) -> None:
    """Wait until at most low_water messages are unsettled; sweep now and then meanwhile."""
    from pipeline import sweeper  # noqa: PLC0415

    deadline = time.monotonic() + timeout_s
    last_sweep = time.monotonic()
    while len(unsettled) > low_water:
        polled = _status(sorted(unsettled), columns=("state",))
        done = {i for i, s in polled.items() if is_settled(s)}
        unsettled -= done
        progress.advance(task, len(done))
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(unsettled)} messages did not settle in {timeout_s:.0f} s")
        if time.monotonic() - last_sweep > settings.pipeline.sweep_interval_s:
            sweeper.sweep(settings, sending_older_than=timedelta(seconds=30))
            last_sweep = time.monotonic()
        if len(unsettled) > low_water:
            time.sleep(0.5)


def _console(err: TextIO) -> Console:
    return Console(file=err, stderr=err is sys.stderr)
