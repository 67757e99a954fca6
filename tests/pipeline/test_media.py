"""Photos attached to a message are fetched, checked, stored without EXIF, with a phash."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from sqlmodel import select

from connectors.contract import InboundMessage, MediaRef, Sender
from connectors.intake import accept
from pipeline.models import Attachment


def _jpeg_with_gps(path: Path) -> Path:
    img = Image.new("RGB", (320, 240), (120, 90, 60))
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S", 2: (6.0, 12.0, 30.0), 3: "E", 4: (106.0, 48.0, 50.0)})
    exif[0x010F] = "PhoneMaker"
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    path.write_bytes(buf.getvalue())
    return path


def test_photo_is_stored_without_exif_and_a_non_image_is_rejected(pipeline_env, tmp_path):
    photo = _jpeg_with_gps(tmp_path / "lubang.jpg")
    assert Image.open(photo).getexif()  # the citizen's file carries EXIF (GPS, camera)
    fake = tmp_path / "surat.txt"
    fake.write_text("bukan foto")
    accept(InboundMessage(
        channel="import", external_id="media-1", sender=Sender(handle="warga-1"),
        text="Jalan berlubang di Jl. Kebon Sirih RT 03/RW 02, Kel. Kebon Sirih, Menteng",
        media=[MediaRef(path=str(photo)), MediaRef(path=str(fake))],
    ))
    pipeline_env.drain()
    with pipeline_env.session() as session:
        rows = session.exec(select(Attachment).order_by(Attachment.position)).all()
    assert len(rows) == 2
    stored, rejected = rows
    assert stored.sha256 and stored.phash and (stored.width, stored.height) == (320, 240)
    assert Path(stored.path).is_file() and Path(stored.path).parent == pipeline_env.var_dir / "media"
    assert not Image.open(stored.path).getexif()  # EXIF gone from what we keep
    assert rejected.rejected_reason and not rejected.sha256


def test_a_download_that_keeps_failing_is_marked_on_the_attachment(pipeline_env, monkeypatch):
    from connectors.contract import TemporarilyUnavailable
    from pipeline import actors, media

    def unavailable(channel, ref, settings):
        raise TemporarilyUnavailable("503 from the provider's media host")

    monkeypatch.setattr(media, "fetch", unavailable)
    # Eight retries with growing backoff in production; one quick retry here.
    monkeypatch.setitem(actors.fetch_media.options, "max_retries", 1)
    monkeypatch.setitem(actors.fetch_media.options, "min_backoff", 10)
    accept(InboundMessage(
        channel="import", external_id="media-2", sender=Sender(handle="warga-2"),
        text="Sampah menumpuk di Jl. Sabang, Kel. Kebon Sirih",
        media=[MediaRef(url="https://media.example/1.jpg")],
    ))
    pipeline_env.drain()
    pipeline_env.drain()  # the give-up message is sent when the last retry fails
    with pipeline_env.session() as session:
        [row] = session.exec(select(Attachment)).all()
    assert row.rejected_reason.startswith("not downloaded") and not row.sha256


def _scene(path: Path) -> Path:
    """A photo with structure (pHash of a flat colour says little): a dark hole in grey asphalt."""
    img = Image.new("RGB", (320, 240), (110, 110, 110))
    for x in range(120, 200):
        for y in range(90, 150):
            if (x - 160) ** 2 / 1600 + (y - 120) ** 2 / 900 <= 1:
                img.putpixel((x, y), (30, 25, 20))
    img.save(path, "JPEG")
    return path


def test_a_photo_hashed_after_triage_is_compared_for_the_admin(pipeline_env, tmp_path):
    from pipeline.dedupe import stored_candidates
    from pipeline.models import Report

    photo = _scene(tmp_path / "lubang.jpg")
    accept(InboundMessage(
        channel="import", external_id="first", sender=Sender(handle="warga-1"),
        text="Jalan berlubang besar di Jl. Kebon Sirih RT 03/RW 02, Kel. Kebon Sirih, Menteng",
        media=[MediaRef(path=str(photo))],
    ))
    pipeline_env.drain()
    accept(InboundMessage(  # another citizen, other words, the same photo forwarded
        channel="import", external_id="second", sender=Sender(handle="warga-2"),
        text="Jl. Kebon Sirih berlubang, motor sering jatuh, Kel. Kebon Sirih, Menteng",
        media=[MediaRef(path=str(photo))],
    ))
    pipeline_env.drain()
    with pipeline_env.session() as session:
        first, second = session.exec(select(Report).order_by(Report.id)).all()
        assert second.state == "needs_review" and "possible_duplicate" in second.reasons
        [candidate] = stored_candidates(second)
    assert candidate.report_id == first.id
    assert candidate.photo_distance == 0  # the photo arrived after triage, and now counts
    assert candidate.score > candidate.text_score
