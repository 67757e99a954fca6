"""Twilio webhook acknowledgement under load: requests/s and p50/p99 latency, nothing lost.

    .venv/bin/python bench/webhooks.py [--n 3000] [--rate 300] [--server "intake web"]

(--server "uv run --no-sync --with httptools==0.9.0 --with uvloop==0.23.0 intake web" measures
uvicorn with its C HTTP parser and event loop without changing the project environment.)

Starts `intake web` (SQLite in a temp dir, in-process broker, INTAKE_TWILIO__AUTH_TOKEN set) as
its own process, then loads POST /webhooks/twilio from this process with aiohttp: requests are
signed with twilio's RequestValidator before the clock starts, each with a new MessageSid and a
different sender (no rate-limit holds). For concurrency 16 and 64 it runs a closed loop (as fast
as the server answers) and an open loop paced at --rate requests/s, then counts the stored
rows: every acknowledged message must be in the inbox. Target: p99 < 50 ms at 300 req/s on a
2-core machine. Figures vary +-25% on shared machines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-auth-token"
SID = "AC" + "b" * 32
BODIES = [
    "Jalan berlubang di Jl. Kramat Raya depan halte, mohon diperbaiki.",
    "Sampah menumpuk di pinggir kali dekat Jembatan Kampung Melayu.",
    "Lampu PJU mati di Jl. Pemuda Rawamangun sudah tiga malam.",
    "Got mampet di Jl. Sunter Jaya 5 RT 05/RW 08, air masuk ke rumah.",
]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def signed_requests(url: str, run: str, n: int) -> list[tuple[bytes, str]]:
    """n (body, X-Twilio-Signature) pairs, each a distinct SMS from a distinct sender."""
    validator = RequestValidator(TOKEN)
    out = []
    for i in range(n):
        form = {
            "MessageSid": f"SM{run}{i:026d}",
            "SmsSid": f"SM{run}{i:026d}",
            "AccountSid": SID,
            "From": f"+62812{i:08d}",
            "To": "+628111272206",
            "Body": BODIES[i % len(BODIES)],
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        out.append((urlencode(form).encode(), validator.compute_signature(url, form)))
    return out


async def _one(session: aiohttp.ClientSession, url: str, body: bytes, sig: str) -> float:
    """POST one signed request; returns the moment its acknowledgement was read."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig}
    async with session.post(url, data=body, headers=headers) as resp:
        await resp.read()
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status}")
    return time.perf_counter()


async def load(
    url: str, reqs: list[tuple[bytes, str]], concurrency: int, rate: float | None
) -> tuple[float, list[float], int]:
    """Send all requests with at most `concurrency` in flight, optionally paced at `rate`/s."""
    latencies: list[float] = []
    errors = 0
    sem = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def task(body: bytes, sig: str, due: float) -> None:
            nonlocal errors
            try:
                latencies.append(await _one(session, url, body, sig) - due)
            except (aiohttp.ClientError, RuntimeError):
                errors += 1
            finally:
                sem.release()

        started = time.perf_counter()
        tasks = []
        for i, (body, sig) in enumerate(reqs):
            if rate:  # open loop: request i leaves at i/rate, late or not
                delay = started + i / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            # Open loop: latency counts from when the request was due, so time spent waiting
            # for a free connection is not hidden (no coordinated omission).
            due = started + i / rate if rate else 0.0
            await sem.acquire()
            due = due or time.perf_counter()
            tasks.append(asyncio.create_task(task(body, sig, due)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return elapsed, latencies, errors


def pct(values: list[float], q: float) -> float:
    """The q-quantile in milliseconds."""
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else 0.0


def stored_rows(db: Path) -> int:
    """Inbox rows of the twilio channel in the server's SQLite file."""
    with sqlite3.connect(db) as conn:
        return int(
            conn.execute("SELECT count(*) FROM inbox_message WHERE channel = 'twilio'").fetchone()[
                0
            ]
        )


def start_server(command: str, port: int, var_dir: Path) -> subprocess.Popen[bytes]:
    """`intake web` on port with SQLite under var_dir; waits for /healthz."""
    env = os.environ | {
        "INTAKE_VAR_DIR": str(var_dir),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "INTAKE_TWILIO__AUTH_TOKEN": TOKEN,
        "INTAKE_TWILIO__ACCOUNT_SID": SID,
        "INTAKE_TWILIO__PUBLIC_URL": f"http://127.0.0.1:{port}/webhooks/twilio",
    }
    cmd = [*shlex.split(command), "--port", str(port)]
    log = (var_dir / "server.log").open("wb")  # a pipe nobody reads would block the server
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit((var_dir / "server.log").read_text()[-2000:]) from None
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def main() -> None:
    """Run the phases and print one line per phase."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="requests per phase")
    parser.add_argument("--rate", type=float, default=300.0, help="open-loop requests/s")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--server", default=f"{ROOT / '.venv/bin/intake'} web")
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}/webhooks/twilio"
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(args.server, port, Path(tmp))
        try:
            asyncio.run(load(url, signed_requests(url, "w", 200), 16, None))  # warm-up
            sent = 200
            print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores; other work skews p99)")
            print(f"{'phase':<28}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
            for concurrency in args.concurrency:
                for rate in (None, args.rate):
                    run = f"{concurrency}{'o' if rate else 'c'}"
                    reqs = signed_requests(url, run, args.n)
                    elapsed, lat, errors = asyncio.run(load(url, reqs, concurrency, rate))
                    sent += len(reqs)
                    name = f"c={concurrency} " + (f"paced {rate:.0f}/s" if rate else "max")
                    print(
                        f"{name:<28}{len(lat) / elapsed:>8.0f}{pct(lat, 50):>9.1f}"
                        f"{pct(lat, 99):>9.1f}{max(lat) * 1000:>9.1f}{errors:>8}"
                    )
            time.sleep(1.0)
            rows = stored_rows(Path(tmp) / "intake.db")
            print(f"acknowledged messages: {sent}, stored inbox rows: {rows}, lost: {sent - rows}")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
