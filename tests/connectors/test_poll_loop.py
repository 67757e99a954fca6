"""The shared poll loop: checkpoint with rows, restart without loss, backoff, stop on auth."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest

from connectors.contract import AuthFailed, BadConfig, InboundMessage, TemporarilyUnavailable
from connectors.poll_loop import Malformed, PollerStopped, backoff_delay, batch_lag_seconds, run
from tests.fakes.intake_sink import MemorySink

COMPLAINTS = [
    "Jalan berlubang di Jl. Daan Mogot depan halte, mohon segera diperbaiki",
    "Sampah menumpuk di Kali Sunter dekat RW 05 Kelurahan Sunter Agung",
    "Lampu PJU mati di Jl. Kemang Raya sejak tiga hari",
    "Saluran air tersumbat di Jl. Cempaka Putih Tengah, banjir tiap hujan",
    "Trotoar dipakai parkir liar di Jl. Sabang",
]


class ListPoller:
    """A provider holding a list of messages, paging two at a time after an index cursor."""

    channel: ClassVar[str] = "lapor1708"

    def __init__(self, texts: list[str], page: int = 2) -> None:
        self.texts, self.page, self.has_more = texts, page, False
        self.failures: list[Exception] = []
        self.malformed: list[Malformed] = []
        self.fetches = 0
        self.on_fetch: Any = None

    def fetch(self, cursor: dict[str, Any] | None) -> tuple[list[InboundMessage], dict[str, Any]]:
        self.fetches += 1
        if self.on_fetch:
            self.on_fetch(self)
        if self.failures:
            raise self.failures.pop(0)
        start = (cursor or {}).get("next", 0)
        chunk = self.texts[start : start + self.page]
        self.has_more = start + self.page < len(self.texts)
        received = datetime.now(UTC) - timedelta(minutes=5)
        msgs = [
            InboundMessage(
                channel=self.channel, external_id=f"L-{start + i}", text=t, received_at=received
            )
            for i, t in enumerate(chunk)
        ]
        return msgs, {"next": start + len(chunk)}

    def take_malformed(self) -> list[Malformed]:
        out, self.malformed = self.malformed, []
        return out


def _run_until(poller: ListPoller, sink: MemorySink, done: Any, **kw: Any) -> None:
    stop = threading.Event()
    original = poller.on_fetch

    def check(p: ListPoller) -> None:
        if original:
            original(p)
        if done():
            stop.set()

    poller.on_fetch = check
    thread = threading.Thread(
        target=run,
        args=("lapor1708", poller),
        kwargs={"interval_s": 0.01, "stop": stop, "sink": sink, **kw},
    )
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "poll loop did not return after stop was set"


def test_all_complaints_stored_once_and_checkpoint_covers_them() -> None:
    sink, poller = MemorySink(), ListPoller(COMPLAINTS)
    _run_until(poller, sink, lambda: sink.checkpoints.get("lapor1708", {}).get("next") == 5)
    assert sink.texts("lapor1708") == COMPLAINTS
    assert sink.checkpoints["lapor1708"] == {"next": 5}
    # lag is the age of the oldest complaint of the batch: five minutes
    lags = [lag for _, lag, _ in sink.heartbeats if lag]
    assert lags and all(290 <= lag <= 400 for lag in lags)


def test_restart_in_the_middle_of_a_batch_loses_nothing_and_doubles_nothing() -> None:
    sink = MemorySink()
    # first process: stores the first page, then is "killed" while fetching the second
    first = ListPoller(COMPLAINTS)
    _run_until(first, sink, lambda: sink.batches >= 1)
    saved = sink.checkpoints["lapor1708"]["next"]
    assert 2 <= saved < 5 and sink.texts("lapor1708") == COMPLAINTS[:saved]
    # the crash happened after the provider returned page two but before it was stored:
    # simulate by having the sink refuse one batch, then a fresh process starts from the checkpoint
    second = ListPoller(COMPLAINTS)
    sink.fail_next_batches = 1
    _run_until(
        second, sink, lambda: sink.checkpoints["lapor1708"].get("next") == 5, rng=random.Random(1)
    )
    assert sink.texts("lapor1708") == COMPLAINTS  # each exactly once, in order


def test_redelivered_items_after_lost_checkpoint_are_not_doubled() -> None:
    sink = MemorySink()
    _run_until(ListPoller(COMPLAINTS), sink, lambda: sink.checkpoints.get("lapor1708"))
    sink.checkpoints.clear()  # e.g. an operator reset the cursor: everything comes again
    _run_until(
        ListPoller(COMPLAINTS), sink, lambda: sink.checkpoints.get("lapor1708", {}).get("next") == 5
    )
    assert len(sink.rows) == len(COMPLAINTS)


def test_rate_limit_waits_at_least_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    real_wait = threading.Event.wait

    def recording_wait(self: threading.Event, timeout: float | None = None) -> bool:
        if timeout and timeout > 0.5:
            waits.append(timeout)
            return real_wait(self, 0)  # do not really sleep
        return real_wait(self, timeout)

    monkeypatch.setattr(threading.Event, "wait", recording_wait)
    sink, poller = MemorySink(), ListPoller(COMPLAINTS)
    poller.failures = [TemporarilyUnavailable("429 Too Many Requests", retry_after=37.0)]
    _run_until(poller, sink, lambda: sink.checkpoints.get("lapor1708", {}).get("next") == 5)
    assert waits and 37.0 <= waits[0] <= 38.0
    assert any("retrying in 3" in note and "429" in note for _, _, note in sink.heartbeats)
    assert sink.texts("lapor1708") == COMPLAINTS


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (AuthFailed("401 Unauthorized"), "credentials refused"),
        (BadConfig("INTAKE_LAPOR1708__FEED_URL", "not set"), "INTAKE_LAPOR1708__FEED_URL"),
    ],
)
def test_auth_and_config_errors_stop_with_a_message_naming_the_cause(
    error: Exception, expected: str
) -> None:
    sink, poller = MemorySink(), ListPoller(COMPLAINTS)
    poller.failures = [error]
    with pytest.raises(PollerStopped, match=expected):
        run("lapor1708", poller, interval_s=0, stop=threading.Event(), sink=sink)
    assert sink.heartbeats[-1][2].startswith("poller lapor1708 stopped")
    assert not sink.rows


def test_malformed_items_are_stored_flagged_and_the_loop_goes_on() -> None:
    sink, poller = MemorySink(), ListPoller(COMPLAINTS)
    poller.malformed = [Malformed("L-bad", {"isi": None}, "missing field isi")]
    _run_until(poller, sink, lambda: sink.checkpoints.get("lapor1708", {}).get("next") == 5)
    assert sink.malformed == {("lapor1708", "L-bad"): "missing field isi"}
    assert len(sink.rows) == 5


def test_stop_set_mid_batch_finishes_the_batch_and_saves_checkpoint() -> None:
    sink, poller = MemorySink(), ListPoller(COMPLAINTS)
    stop = threading.Event()
    poller.on_fetch = lambda p: stop.set()  # SIGTERM arrives while the provider is answering
    run("lapor1708", poller, interval_s=60, stop=stop, sink=sink)
    assert sink.texts("lapor1708") == COMPLAINTS[:2]
    assert sink.checkpoints["lapor1708"] == {"next": 2}


def test_backoff_grows_is_capped_and_jittered() -> None:
    rng = random.Random(7)
    ceilings = [backoff_delay(n, rng=random.Random(0), base=2, cap=60) for n in range(1, 10)]
    assert all(0 <= d <= 60 for d in ceilings)
    samples = {round(backoff_delay(5, rng=rng), 3) for _ in range(20)}
    assert len(samples) > 10  # jitter: restarted pollers do not retry in lockstep
    assert max(backoff_delay(3, rng=rng) for _ in range(200)) <= 8.0


def test_lag_of_empty_batch_is_zero() -> None:
    assert batch_lag_seconds([]) == 0.0


def test_an_unexpected_error_is_retried_and_noted_not_the_end_of_the_channel() -> None:
    sink, poller = MemorySink(), ListPoller(COMPLAINTS)
    poller.failures = [KeyError("entities")]  # a provider shape the parser did not expect
    _run_until(
        poller,
        sink,
        lambda: sink.checkpoints.get("lapor1708", {}).get("next") == 5,
        rng=random.Random(0),
    )
    assert sink.texts("lapor1708") == COMPLAINTS  # the loop went on and skipped nothing
    assert any("error" in note and "KeyError" in note for _, _, note in sink.heartbeats)
