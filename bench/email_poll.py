"""Email ingestion from a real Dovecot with 10k messages in the mailbox: messages/s.

    uv run python -m bench.email_poll [--count 10000] [--batch 100 --batch 500]

Starts its own Dovecot (Debian package dovecot-imapd) on a free port with a temporary mail
store, fills a folder with real-layout mails (Gmail quoted-printable replies, Outlook HTML-only
base64, iPhone mails with a 15 KB photo, auto-replies that must be skipped), then measures:
  - connector only: IMAP fetch + MIME parse + quote stripping, no database;
  - end to end: the shared poll loop storing rows + checkpoint through connectors.intake
    (SQLite, embedded default; the pipeline's processing is not part of this figure).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import structlog
import typer
from imapclient import IMAPClient
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config.settings import EmailSettings  # noqa: E402
from connectors.email.poll import EmailPoller  # noqa: E402
from tests.connectors.email.servers import DOVECOT, PASSWORD, USER, Dovecot  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "email"
# share of each layout in the mailbox (by position modulo 20)
LAYOUT = (
    ["gmail_plain_qp_reply.eml"] * 9
    + ["outlook_html_only_base64.eml"] * 7
    + ["iphone_inline_photo.eml"] * 2
    + ["vacation_auto_reply.eml", "odd_charset_defects.eml"]
)
console = Console(stderr=True)


def _message(i: int, templates: dict[str, bytes]) -> bytes:
    raw = templates[LAYOUT[i % len(LAYOUT)]]
    # a distinct Message-ID per mail, as a real mailbox has
    for old in (b"Message-ID: <", b"Message-Id: <", b"Message-id: <"):
        raw = raw.replace(old, old + f"bench{i}.".encode(), 1)
    return raw


def fill(server: Dovecot, folder: str, count: int) -> float:
    """APPEND `count` mails (MULTIAPPEND in chunks); returns seconds taken."""
    templates = {name: (FIXTURES / name).read_bytes() for name in set(LAYOUT)}
    admin = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=60)
    admin.login(USER, PASSWORD)
    admin.create_folder(folder)
    start = time.perf_counter()
    for first in range(0, count, 500):
        chunk = [_message(i, templates) for i in range(first, min(first + 500, count))]
        admin.multiappend(folder, chunk)
    admin.logout()
    return time.perf_counter() - start


def connector_only(settings: EmailSettings, media: Path) -> tuple[int, float]:
    """Fetch and parse the whole folder, no database: (messages stored, seconds)."""
    poller = EmailPoller(settings, media)
    cursor: dict[str, Any] | None = None
    stored = 0
    start = time.perf_counter()
    while True:
        msgs, cursor = poller.fetch(cursor)
        stored += len(msgs)
        if not poller.has_more:
            break
    elapsed = time.perf_counter() - start
    poller.close()
    return stored, elapsed


def end_to_end(settings: EmailSettings, media: Path, workdir: Path) -> tuple[int, float]:
    """The poll loop into the real intake sink (SQLite): (inbox rows, seconds)."""
    os.environ.update(
        {
            "INTAKE_VAR_DIR": str(workdir / "var"),
            "DATABASE_URL": "",
            "REDIS_URL": "",
            "INTAKE_LOG_LEVEL": "WARNING",
        }
    )
    from sqlalchemy import func, select  # noqa: PLC0415

    from connectors.poll_loop import run  # noqa: PLC0415
    from intake.runtime import bootstrap  # noqa: PLC0415
    from pipeline.db import get_engine  # noqa: PLC0415
    from pipeline.models import InboxMessage  # noqa: PLC0415

    bootstrap(auto_migrate=True)
    poller = EmailPoller(settings, media)
    stop = threading.Event()
    real = poller.fetch

    def fetch(cursor: dict[str, Any] | None) -> Any:
        result = real(cursor)
        if not poller.has_more:
            stop.set()
        return result

    poller.fetch = fetch  # type: ignore[method-assign]
    start = time.perf_counter()
    run("email", poller, interval_s=0, stop=stop)
    elapsed = time.perf_counter() - start
    poller.close()
    with get_engine().connect() as conn:
        rows = conn.execute(select(func.count()).select_from(InboxMessage)).scalar_one()
    return int(rows), elapsed


def main(
    count: Annotated[int, typer.Option(help="mails in the mailbox")] = 10_000,
    batch: Annotated[list[int] | None, typer.Option(help="batch sizes to try")] = None,
) -> None:
    """Print messages/s for the email poller against Dovecot."""
    if DOVECOT is None:
        raise SystemExit("dovecot not installed: apt-get install -y dovecot-imapd")
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    sizes = batch or [100, 500]
    server = Dovecot.start()
    table = Table(title=f"email ingestion, {count} mails in Dovecot ({os.cpu_count()} cores)")
    for column in ("stage", "batch", "stored", "seconds", "messages/s"):
        table.add_column(column, justify="right")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            seconds = fill(server, "Bench", count)
            table.add_row(
                "APPEND (fill)", "500", str(count), f"{seconds:.1f}", f"{count / seconds:,.0f}"
            )
            base = EmailSettings(
                imap_host="127.0.0.1",
                imap_port=server.port,
                imap_ssl=False,
                username=USER,
                password=PASSWORD,  # type: ignore[arg-type]
                folder="Bench",
                from_address="pengaduan@example.go.id",
            )
            for size in sizes:
                settings = base.model_copy(update={"batch_size": size})
                stored, secs = connector_only(settings, work / "media")
                table.add_row(
                    "fetch + parse", str(size), str(stored), f"{secs:.1f}", f"{count / secs:,.0f}"
                )
            settings = base.model_copy(update={"batch_size": sizes[-1]})
            rows, secs = end_to_end(settings, work / "media", work)
            table.add_row(
                "poll loop -> inbox (SQLite)",
                str(sizes[-1]),
                str(rows),
                f"{secs:.1f}",
                f"{count / secs:,.0f}",
            )
    finally:
        server.stop()
    Console().print(table)
    console.print(
        "messages/s counts every mail read from the folder, including the 5% "
        "auto-replies that are skipped; 'stored' is what became inbox rows."
    )


if __name__ == "__main__":
    typer.run(main)
