"""Phones to E.164, e-mails, handles; NIK masked."""

from __future__ import annotations

import pytest

from normalizers.contact import extract_contacts, is_nik, mask_nik, mask_phone, normalize_phone


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("08111272206", "+628111272206"),  # the CRM's own WhatsApp line
        ("(021) 2314444", "+62212314444"),
        ("12345", None),
        ("", None),
    ],
)
def test_normalize_phone(raw: str, e164: str | None) -> None:
    assert normalize_phone(raw) == e164


def test_nik_is_masked_everywhere() -> None:
    text = "NIK saya 3174015708900003 dan istri 3174 0157 0890 0003, hp 0812 3456 7890"
    masked = mask_nik(text)
    assert "3174015708900003" not in masked and "0157 0890" not in masked
    assert masked.count("3174************") == 2
    assert "0812 3456 7890" in masked


def test_sixteen_digits_that_are_not_a_nik_stay() -> None:
    assert not is_nik("1234567890123456")  # province 12 ok, but day 78 and month 90 are not a date
    assert mask_nik("resi 1234567890123456") == "resi 1234567890123456"


def test_extract_contacts() -> None:
    found = extract_contacts("hubungi 0812-3456-7890 atau budi.s@gmail.com, twitter @budi_s")
    assert found.phones == ["+6281234567890"]
    assert found.emails == ["budi.s@gmail.com"]
    assert found.handles == ["budi_s"]
    assert mask_phone("+6281234567890") == "+62812*****890"
