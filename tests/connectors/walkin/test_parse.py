"""Desk form validation and the message it becomes: consent, anonymity, NIK, uploads, ids."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from PIL import Image

from connectors.walkin.parse import FormInvalid, check_form, check_nik, external_id, to_message
from connectors.walkin.store import save
from connectors.walkin.uploads import Limits, Upload
from normalizers import gazetteer as gz
from normalizers.report import build_draft

DESK = {"office": "kelurahan:31.74.03.1002", "staff_id": "7"}
NIK = "3174034507880003"  # Jakarta Selatan / Mampang Prapatan, born 05-07-1988 (female: 45)


def _errors(fields: dict[str, str], **kw: object) -> dict[str, str]:
    with pytest.raises(FormInvalid) as caught:
        check_form(fields, **DESK, **kw)  # type: ignore[arg-type]
    return caught.value.errors


def test_contact_is_kept_only_with_consent(form: dict[str, str]) -> None:
    form |= {"citizen_name": "Siti Rahmawati", "phone": "0812-3456-7890"}
    assert "persetujuan" in _errors(form)["consent"]
    entry = check_form(form | {"consent": "on"}, **DESK)
    msg = to_message(entry, [])
    assert msg.sender.handle == "+6281234567890"
    assert msg.sender.name == "Siti Rahmawati"
    assert msg.reply_context == {"via": "sms", "to": "+6281234567890", "office": DESK["office"]}


def test_email_is_the_route_when_no_phone(form: dict[str, str]) -> None:
    entry = check_form(form | {"email": "Warga@Example.ID", "consent": "1"}, **DESK)
    msg = to_message(entry, [])
    assert msg.sender.handle == "warga@example.id"
    assert msg.reply_context["via"] == "email"


def test_no_contact_means_no_reply_route(form: dict[str, str]) -> None:
    msg = to_message(check_form(form, **DESK), [])
    assert msg.sender.handle == "" and msg.sender.name == ""
    assert msg.reply_context == {"office": DESK["office"]}


def test_invalid_phone_and_email_are_named(form: dict[str, str]) -> None:
    errors = _errors(form | {"phone": "12345", "consent": "on"})
    assert "telepon" in errors["phone"]
    assert "email" in _errors(form | {"email": "warga@", "consent": "on"})["email"]


def test_anonymous_keeps_no_name_or_contact(form: dict[str, str]) -> None:
    errors = _errors(form | {"anonymous": "on", "citizen_name": "Budi", "consent": "on"})
    assert "anonim" in errors["anonymous"]
    entry = check_form(form | {"anonymous": "on", "consent": "on"}, **DESK)
    msg = to_message(entry, [])
    assert msg.anonymous and msg.confidential  # anonymous implies confidential
    assert msg.sender.handle == "" and msg.sender.name == ""
    assert msg.raw["desk"]["consent"] is False


def test_confidential_keeps_contact_but_flags_report(form: dict[str, str]) -> None:
    fields = form | {"confidential": "on", "consent": "on", "phone": "081234567890"}
    msg = to_message(check_form(fields, **DESK), [])
    assert msg.confidential and not msg.anonymous
    assert msg.sender.handle == "+6281234567890"


def test_nik_is_stored_masked_only(form: dict[str, str]) -> None:
    entry = check_form(form | {"nik": "3174 0345 0788 0003"}, **DESK)
    msg = to_message(entry, [])
    assert msg.raw["desk"]["nik_masked"] == "3174************"
    assert NIK not in msg.model_dump_json()
    assert NIK[4:] not in json.dumps(msg.raw)


@pytest.mark.parametrize(
    ("nik", "problem"),
    [
        ("317403450788000", "16 angka"),  # 15 digits
        ("31740345078800031", "16 angka"),  # 17 digits
        ("3174O34507880003", "16 angka"),  # a letter O
        ("0174034507880003", "tidak valid"),  # province 01 does not exist
        ("3100034507880003", "tidak valid"),  # kota 00
        ("3174037213880003", "tidak valid"),  # day 72-40=32
        ("3174031513880003", "tidak valid"),  # month 13
        ("2074034507880003", "tidak valid"),  # province 20 does not exist
        ("3174033102880003", "tidak valid"),  # 31 February
        ("3174037102880003", "tidak valid"),  # 31 February, a woman's date (71 - 40)
        ("3174034507880000", "tidak valid"),  # serial 0000
    ],
)
def test_nik_validation(nik: str, problem: str) -> None:
    with pytest.raises(FormInvalid) as caught:
        check_nik(nik)
    assert problem in caught.value.errors["nik"]


def test_nik_of_a_man_and_an_empty_nik_are_accepted() -> None:
    assert check_nik("3171011307880003") == "3171************"  # born 13-07-1988
    assert check_nik("9601012902000001") == "9601************"  # Papua Barat Daya, 29-02-2000
    assert check_nik("  ") == ""


def test_required_fields_are_listed_together() -> None:
    errors = _errors({"token": "not-a-token", "description": "rusak", "kelurahan_code": "31.74"})
    assert set(errors) == {"token", "description", "kelurahan_code"}


def test_token_must_be_a_server_uuid4(form: dict[str, str]) -> None:
    assert "token" in _errors(form | {"token": str(uuid.uuid1())})


def test_double_submit_has_one_external_id(form: dict[str, str]) -> None:
    first, again = check_form(form, **DESK), check_form(dict(form), **DESK)
    assert first.external_id == again.external_id
    other_staff = check_form(form, office=DESK["office"], staff_id="8")
    assert other_staff.external_id != first.external_id
    assert external_id("7", form["token"]) == first.external_id


def test_photo_gps_becomes_location_and_stored_copy_has_no_exif(
    form: dict[str, str], photo_with_gps: bytes, tmp_path: object
) -> None:
    entry = check_form(form, **DESK, photos=[Upload("IMG_0412.JPG", photo_with_gps)])
    stored = [save(u, tmp_path) for u in entry.photos]  # type: ignore[arg-type]
    msg = to_message(entry, stored)
    assert msg.location is not None and msg.location.source == "exif"
    assert msg.location.lat == pytest.approx(-6.2633, abs=1e-3)
    assert msg.media[0].path == stored[0].path and msg.media[0].content_type == "image/jpeg"
    with Image.open(stored[0].path) as img:
        assert not img.getexif().get_ifd(0x8825)
        assert 0x0110 not in img.getexif()


def test_letter_scan_pdf_is_a_document_not_a_photo(
    form: dict[str, str], letter_pdf: bytes, tmp_path: object
) -> None:
    fields = form | {"letter_kind": "surat_gubernur"}
    assert "pindaian" in _errors(fields)["scans"]
    entry = check_form(fields, **DESK, scans=[Upload("surat.pdf", letter_pdf)])
    stored = [save(u, tmp_path) for u in entry.scans]  # type: ignore[arg-type]
    msg = to_message(entry, stored)
    assert msg.media == []  # photo checks and counts see only photos
    assert msg.raw["documents"][0]["content_type"] == "application/pdf"
    assert msg.raw["desk"]["letter_kind"] == "surat_gubernur"


def test_pdf_is_refused_as_a_photo(form: dict[str, str], letter_pdf: bytes) -> None:
    errors = _errors(form, photos=[Upload("foto.pdf", letter_pdf)])
    assert errors["photos"] == "Berkas foto.pdf bukan JPEG, PNG, WebP atau HEIC."


def test_type_comes_from_bytes_not_the_name(form: dict[str, str]) -> None:
    fake = Upload("kerusakan.jpg", b"<html><script>alert(1)</script></html>")
    assert "bukan JPEG" in _errors(form, photos=[fake])["photos"]
    truncated_pdf = Upload("surat.pdf", b"%PDF-1.4\n1 0 obj\n")  # no %%EOF: cut off in transfer
    assert "bukan" in _errors(form | {"letter_kind": "surat"}, scans=[truncated_pdf])["scans"]


def test_corrupt_image_is_refused(form: dict[str, str], photo_with_gps: bytes) -> None:
    broken = Upload("rusak.jpg", photo_with_gps[:400])
    assert "tidak dapat dibaca" in _errors(form, photos=[broken])["photos"]


def test_oversized_upload_is_refused_with_sizes(form: dict[str, str]) -> None:
    big = io.BytesIO()
    Image.effect_noise((1600, 1200), 90).convert("RGB").save(big, "PNG")
    limits = Limits(max_photo_bytes=1_000_000)
    errors = _errors(form, photos=[Upload("IMG_20261123.png", big.getvalue())], limits=limits)
    size = f"{len(big.getvalue()) / 1e6:.1f}".replace(".", ",")
    assert errors["photos"] == (
        f"Berkas IMG_20261123.png terlalu besar ({size} MB; paling besar 1,0 MB)."
    )


def test_too_many_photos(form: dict[str, str], photo_with_gps: bytes) -> None:
    photos = [Upload(f"{i}.jpg", photo_with_gps) for i in range(3)]
    errors = _errors(form, photos=photos, limits=Limits(max_photos=2))
    assert errors["photos"] == "Paling banyak 2 foto."


def _resolved(code: str) -> tuple[str, float]:
    fields = {
        "token": str(uuid.uuid4()),
        "description": "Saluran air tersumbat sampah, air meluap ke jalan saat hujan.",
        "kelurahan_code": code,
        "street": "Jl. Melati Raya No. 12",
        "rt_rw": "3/7",
    }
    draft = build_draft(to_message(check_form(fields, **DESK), []))
    return draft.area.kelurahan_code, draft.area.confidence


@pytest.mark.parametrize("code", [k.code for k in gz.KELURAHAN])
def test_every_selected_kelurahan_resolves_confidently(code: str) -> None:
    kelurahan_code, confidence = _resolved(code)
    assert kelurahan_code == code
    assert confidence >= 0.8
