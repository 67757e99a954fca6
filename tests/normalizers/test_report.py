"""build_draft composes the normalizers into what triage needs, and lists what is missing."""

from __future__ import annotations

from connectors.contract import InboundMessage, Location, MediaRef, Sender
from normalizers.report import AreaMatch, ReportDraft, build_draft, missing_fields


def _msg(text: str, **kw: object) -> InboundMessage:
    return InboundMessage(
        channel="twitter", external_id="1", sender=Sender(handle="warga1"), text=text, **kw
    )


def test_complete_tweet_needs_nothing() -> None:
    draft = build_draft(
        _msg(
            "Selamat pagi @DKIJakarta, jalan berlubang besar di Jl. Kenari II RT 05/RW 03, "
            "Kel. Kenari, Kec. Senen. Mohon segera diperbaiki https://t.co/x",
            media=[MediaRef(url="https://pbs.twimg.com/media/a.jpg", content_type="image/jpeg")],
        )
    )
    assert isinstance(draft, ReportDraft) and isinstance(draft.area, AreaMatch)
    assert draft.description.startswith("jalan berlubang besar")
    assert draft.area.kelurahan_code == "31.71.04.1002" and draft.area.confidence >= 0.8
    assert draft.category == "jalan_rusak" and draft.opd == "Dinas Bina Marga"
    assert (
        draft.address_text == "Jl. Kenari II, RT 005/RW 003, Kel. Kenari, Kec. Senen, Jakarta Pusat"
    )
    assert draft.location_source == "text"
    assert draft.missing == []
    assert draft.emergency == ""


def test_vague_message_lists_what_to_ask_for() -> None:
    draft = build_draft(_msg("sampah numpuk"))
    assert draft.missing == ["description", "location", "photo"]
    assert draft.category == "sampah"


def test_area_without_the_spot_asks_for_address_detail() -> None:
    draft = build_draft(_msg("sampah di pinggir kali sudah seminggu tidak diangkut, Kel. Cideng"))
    assert "address_detail" in draft.missing and "location" not in draft.missing


def test_shared_location_decides_when_the_text_names_no_place() -> None:
    draft = build_draft(
        _msg(
            "lampu jalan mati sudah seminggu",
            location=Location(lat=-6.1754, lon=106.8272, source="shared"),
        )
    )
    assert draft.area.kelurahan_code == "31.71.01.1001"
    assert draft.location_source == "shared"
    assert draft.lat == -6.1754 and "location" not in draft.missing


def test_confident_text_beats_a_pin_elsewhere() -> None:
    draft = build_draft(
        _msg(
            "got mampet di Jl. Cideng Barat, Kel. Cideng, Kec. Gambir",
            location=Location(lat=-6.3, lon=106.85),
        )
    )
    assert draft.area.kelurahan_code == "31.71.01.1002"
    assert draft.location_source == "text"


def test_emergency_nik_and_contacts() -> None:
    draft = build_draft(
        _msg(
            "Kebakaran rumah di Gg. Mawar Kel. Duri Pulo! NIK saya 3174015708900003 hp 0812-3456-7890"
        )
    )
    assert draft.emergency == "kebakaran"
    assert "3174015708900003" not in draft.description + draft.original_text
    assert draft.nik_found
    assert draft.contact_phone == "+6281234567890"


def test_missing_fields_is_pure_over_the_draft() -> None:
    draft = ReportDraft(
        channel="email", external_id="x", description="a b c d", original_text="a b c d"
    )
    assert missing_fields(draft) == ["location", "photo"]


def test_phone_in_an_email_signature_is_kept_as_contact_but_not_in_the_description() -> None:
    msg = InboundMessage(
        channel="email",
        external_id="m1",
        text=(
            "Yth. Bapak Lurah,\nGot di Jl. Cideng Barat RT 02/RW 05 Kel. Cideng mampet sejak seminggu.\n"
            "-- \nBudi\nHP 0812-3456-7890\n\nOn Mon, 3 Jan 2022 at 10:00 someone wrote:\n> hubungi 0813-1111-2222"
        ),
    )
    draft = build_draft(msg)
    assert "0812" not in draft.description and "Budi" not in draft.description
    assert draft.contact_phone == "+6281234567890"
