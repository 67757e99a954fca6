"""Log redaction: phones, emails, NIK and personal fields never reach the console or JSON logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from config.logging import configure_logging, redact_text

PHONES = ["0812-3456-7890", "+6281234567890", "6281234567890", "0812 3456 7890", "081234567890"]
NIK = "3171234567890123"  # 31 = DKI Jakarta province code, 16 digits
EMAIL = "warga.menteng+crm@example.co.id"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging() replaces global config: put the test run's back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def _log_event(fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    configure_logging("INFO", fmt)
    log = structlog.get_logger(f"test.redaction.{fmt}")
    log.info(
        "inbox_stored",
        inbox_id=42,
        channel="twilio",
        created=True,
        name="Budi Santoso",
        sender_name="Siti Aminah",
        text=f"Jalan rusak, hubungi saya di {PHONES[0]}",
        detail=f"from {PHONES[1]} / {PHONES[2]}, NIK {NIK}, email {EMAIL}",
        payload={"sender": {"handle": "whatsapp:+6281234567890", "name": "Budi"}, "rt": "02"},
    )
    return capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["console", "json"])
def test_personal_data_is_redacted(
    restore_logging: None, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    out = _log_event(fmt, capsys)
    for secret in [*PHONES[:3], "81234567890", NIK, EMAIL, "Budi", "Siti", "hubungi saya"]:
        assert secret not in out
    assert "inbox_stored" in out
    if fmt == "json":
        event = json.loads(out.strip().splitlines()[-1])
        assert event["inbox_id"] == 42
        assert event["channel"] == "twilio"
        assert event["created"] is True
        assert event["name"] == event["sender_name"] == event["text"] == "[redacted]"
        assert event["detail"] == "from [phone] / [phone], NIK [nik], email [email]"
        assert event["payload"] == {
            "sender": {"handle": "[redacted]", "name": "[redacted]"},
            "rt": "02",
        }
        assert event["level"] == "info"
    else:
        assert "inbox_id=42" in out
        assert "channel=twilio" in out
        assert "from [phone] / [phone], NIK [nik], email [email]" in out


def test_stdlib_records_are_redacted_too(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", "json")
    logging.getLogger("some.library").warning("delivery failed for %s", PHONES[1])
    event = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert event["event"] == "delivery failed for [phone]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Hubungi {PHONES[0]} ya", "Hubungi [phone] ya"),
        (f"WA {PHONES[1]}", "WA [phone]"),
        (f"WA {PHONES[2]}.", "WA [phone]."),
        (f"telp {PHONES[3]}", "telp [phone]"),
        (f"NIK saya {NIK}", "NIK saya [nik]"),
        (f"surel {EMAIL}", "surel [email]"),
        ("WA +62 812-3456-7890 ya", "WA [phone] ya"),
        ("hubungi 62 812 3456 7890", "hubungi [phone]"),
        ("kantor (021) 3822255", "kantor [phone]"),
        ("telp 021-3822255 / +62 21 3822255", "telp [phone] / [phone]"),
        ("NIK 3171 2345 6789 0123", "NIK [nik]"),
        ("NIK 317123-456789-0123", "NIK [nik]"),
        (
            "2026-11-23T09:32:58Z seq 1234 5678 lag 0.95",
            "2026-11-23T09:32:58Z seq 1234 5678 lag 0.95",
        ),
        (
            "Kode pos 10340, 31.71.06.1005, RT 02 RW 03",
            "Kode pos 10340, 31.71.06.1005, RT 02 RW 03",
        ),
        (
            "Tracking JK7M-29QX-4 inbox 1234567 RT 02/RW 03",
            "Tracking JK7M-29QX-4 inbox 1234567 RT 02/RW 03",
        ),
        (
            "Kelurahan 31.71.06.1004 at -6.1862,106.8296",
            "Kelurahan 31.71.06.1004 at -6.1862,106.8296",
        ),
        # phones as citizens type them: dots, dashes, brackets, short +62 mobiles, WhatsApp ids
        ("hp 0812.3456.7890", "hp [phone]"),
        ("+62-812-3456-7890", "[phone]"),
        ("(0812) 3456 7890", "[phone]"),
        ("WA +62 8123456789 ya", "WA [phone] ya"),
        ("from whatsapp:+6281234567890", "from whatsapp:[phone]"),
        ("hp:081234567890,", "hp:[phone],"),
        ("WA 0857-1234-567", "WA [phone]"),
        ("Balai Kota +62 21 2358 4000", "Balai Kota [phone]"),
        ("Budi.Santoso@Gmail.COM menulis", "[email] menulis"),
        ("KTP 3171.2345.6789.0123", "KTP [nik]"),
        ("nik:3171234567890123;", "nik:[nik];"),
        # provider ids are not personal data: a 19-digit tweet id stays readable
        ("tweet 1859234567890123456 dibalas", "tweet 1859234567890123456 dibalas"),
    ],
)
def test_redact_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_names_in_known_keys_are_redacted_at_any_depth(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", "json")
    structlog.get_logger("test.redaction.keys").info(
        "update_received",
        update_id=880011,
        payload={
            "message": {
                "from": {"id": 500000001, "first_name": "Siti", "last_name": "Aminah"},
                "chat": {"username": "siti_aminah", "type": "private"},
            },
            "ProfileName": "Budi Santoso",
            "pelapor": {"nama": "Agus", "telepon": "081234567890", "ktp": NIK},
        },
        Username="budi_s",
    )
    event = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    text = json.dumps(event)
    for secret in ["Siti", "Aminah", "siti_aminah", "Budi", "Agus", "081234567890", NIK, "budi_s"]:
        assert secret not in text
    assert event["update_id"] == 880011
    assert event["payload"]["message"]["from"] == "[redacted]"
    assert event["payload"]["message"]["chat"] == {"username": "[redacted]", "type": "private"}
    assert event["payload"]["pelapor"] == {
        "nama": "[redacted]",
        "telepon": "[redacted]",
        "ktp": "[redacted]",
    }
