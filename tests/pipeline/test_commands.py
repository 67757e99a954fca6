"""Chat commands: STATUS <nomor> in the ways citizens type it, and complaints left alone."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from connectors.intake import accept
from pipeline.commands import Command, detect, looks_like_number, strip_lapor
from pipeline.models import Report
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import message, replies_file


@pytest.mark.parametrize(
    ("text", "argument"),
    [
        ("STATUS ABCD-2345-6", "ABCD-2345-6"),
        ("status abcd23456", "abcd23456"),
        ("  Status:  JK7M-29QX-4  ", "JK7M-29QX-4"),
        ("lacak #JK7M29QX4", "JK7M29QX4"),
        ("cek laporan JK7M 29QX 4", "JK7M 29QX 4"),
        ("Cek laporan no. JK7M-29QX-4", "JK7M-29QX-4"),
        ("Status laporan saya JK7M-29QX-4?", "JK7M-29QX-4"),
        ("STATUS ABCDEFGHJ", "ABCDEFGHJ"),  # a real number can be all letters
        ("status JK7M-29QX", "JK7M-29QX"),  # one symbol short: answered with a hint
        ("/status@DKIBot X", "X"),  # a slash command is always for the bot
        ("/status@DKIBot JK7M-29QX-4", "JK7M-29QX-4"),
        ("/lacak", ""),
        ("cek laporan", ""),
        ("STATUS", ""),
    ],
)
def test_status_command(text: str, argument: str) -> None:
    assert detect(text) == Command("status", argument)


@pytest.mark.parametrize("text", ["/start", "/start@DKIBot", "/help", " /BANTUAN "])
def test_welcome_command(text: str) -> None:
    assert detect(text) == Command("welcome")


@pytest.mark.parametrize(
    "text",
    [
        "Status jalan rusak parah di depan SDN 01 Menteng",
        "Status jalan rusak",
        "Status jalan rusak parah",
        "cek got mampet",
        "Cek saluran air RT 05 tersumbat sejak kemarin",
        "cek 2 lubang di jalan Kebon Sirih",
        "Statusnya gimana pak, sudah seminggu sampah belum diangkut",
        "Tolong cek lampu PJU mati di Jl. Cikini Raya",
        "/starting a fire is dangerous",
        "",
    ],
)
def test_complaints_are_not_commands(text: str) -> None:
    assert detect(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("JK7M-29QX-4", True),
        ("jk7m29qx4", True),
        ("ABCD EFGH J", True),
        ("JK7M29Q", True),
        ("got mampet", False),
        ("ABC DEFGHJ", False),
        ("RT 05", False),
        ("jalan 5 rusak parah", False),
        ("JK7M-29QX-4 tolong", False),
    ],
)
def test_looks_like_number(text: str, expected: bool) -> None:
    assert looks_like_number(text) is expected


def test_strip_lapor_prefix() -> None:
    assert strip_lapor("/lapor@DKIBot Lampu jalan mati") == "Lampu jalan mati"
    assert strip_lapor("Lampu jalan mati /lapor") == "Lampu jalan mati /lapor"


def _replies(env: PipelineEnv) -> list[dict[str, str]]:
    path = replies_file(env)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_status_without_number_is_answered_with_how_to_write_it(pipeline_env: PipelineEnv) -> None:
    accept(message("cek laporan", channel="import"))
    accept(message("STATUS JK7M-29QX-5", channel="import"))  # mistyped check symbol
    pipeline_env.drain()
    pipeline_env.drain()
    with pipeline_env.session() as session:
        assert session.exec(select(Report)).all() == []
    answers = {r["text"] for r in _replies(pipeline_env)}
    assert answers == {
        "Mohon tulis STATUS lalu nomor laporan Anda, misalnya STATUS JK7M-29QX-4.",
        "Nomor laporan tidak cocok: kemungkinan ada huruf/angka yang salah ketik atau tertukar. "
        "Mohon periksa kembali.",
    }
    assert {r["kind"] for r in _replies(pipeline_env)} == {"status"}


def test_sentence_starting_with_status_becomes_a_report(pipeline_env: PipelineEnv) -> None:
    accept(message("Status jalan rusak parah di depan SDN 01 Menteng", channel="import"))
    pipeline_env.drain()
    with pipeline_env.session() as session:
        [report] = session.exec(select(Report)).all()
    assert report.description.startswith("Status jalan rusak parah")
