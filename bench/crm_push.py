"""Pushes per second to the embedded CRM core, in process and over HTTP (Open311), p50/p99.

    .venv/bin/python bench/crm_push.py [--n 2000] [--threads 8] [--database-url URL]

The HTTP server runs in its own process (uvicorn, one worker) so client and server do not share
a GIL; every push is a new report (first push), then the same reports are pushed again (the
idempotent replay a retry causes). Figures vary +-25% on shared 2-core machines.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crm_client.base import CRMReport  # noqa: E402
from crm_client.embedded import EmbeddedCRMClient  # noqa: E402
from crm_client.open311 import Open311Client  # noqa: E402
from crm_core.serve import free_port  # noqa: E402
from crm_core.service import CRMCore  # noqa: E402


def report(run: str, i: int) -> CRMReport:
    """A realistic report; the key is unique per run and index."""
    return CRMReport(
        idempotency_key=f"bench:{run}:{i}",
        reference=f"bench-{run}-{i}",
        description="Jalan berlubang di depan pasar, sudah dua minggu belum diperbaiki.",
        category="jalan_rusak",
        opd="Dinas Bina Marga",
        channel="bench",
        address="Jl. Pasar Minggu Raya, Pejaten Timur, Pasar Minggu",
        kelurahan_code="31.74.04.1006",
        kelurahan_name="Pejaten Timur",
        lat=-6.2745,
        lon=106.8447,
        photo_urls=["https://media.example.org/lubang.jpg"],
    )


def measure(push: Callable[[CRMReport], object], reports: list[CRMReport], threads: int) -> str:
    """Push every report from `threads` threads; return a line of figures."""
    latencies: list[float] = []

    def one(item: CRMReport) -> None:
        start = time.perf_counter()
        push(item)
        latencies.append(time.perf_counter() - start)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, reports))
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return (
        f"{len(reports) / elapsed:8.0f} pushes/s   p50 {cuts[49] * 1000:7.2f} ms   "
        f"p99 {cuts[98] * 1000:7.2f} ms   ({len(reports)} pushes, {threads} threads)"
    )


def serve(database_url: str, port: int) -> None:
    """Child process: the core's standalone app under uvicorn."""
    import uvicorn  # noqa: PLC0415

    from crm_core.api import create_app  # noqa: PLC0415

    app = create_app(CRMCore(database_url), api_key="bench-key")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit(f"server at {url} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="crm_bench_")
    url = args.database_url or f"sqlite:///{workdir}/crm_core.db"
    run = str(int(time.time()))
    print(f"CRM push bench: database {url.split('@')[-1]}")

    client = EmbeddedCRMClient(CRMCore(url))
    reports = [report(run + "a", i) for i in range(args.n)]
    print("in process, new      ", measure(client.push, reports, args.threads))
    print("in process, replay   ", measure(client.push, reports, args.threads))

    port = free_port()
    child = multiprocessing.get_context("spawn").Process(
        target=serve, args=(url, port), daemon=True
    )
    child.start()
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        http = Open311Client(
            base + "/open311/v2", api_key="bench-key", jurisdiction_id="jakarta.go.id"
        )
        reports = [report(run + "b", i) for i in range(args.n)]
        print("HTTP Open311, new    ", measure(http.push, reports, args.threads))
        print("HTTP Open311, replay ", measure(http.push, reports, args.threads))
        http.close()
    finally:
        child.terminate()
        child.join(timeout=10)


if __name__ == "__main__":
    main()
