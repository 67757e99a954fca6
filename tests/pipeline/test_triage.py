"""Triage's pure decision: ready, needs_info, needs_review, duplicate or rejected, with reasons."""

from __future__ import annotations

import dataclasses

from normalizers.report import AreaMatch
from pipeline.completeness import rules_for
from pipeline.dedupe import Candidate
from pipeline.triage import Decision, Outcome, TriageSettings, decide
from tests.pipeline.conftest import KEBON_SIRIH, draft

SETTINGS = TriageSettings()
#: Two citizens about the same pothole: same street, 40 m apart.
SAME_POTHOLE = Candidate(
    report_id=7,
    reference="IN-0A1B2C3D4E",
    tracking_number="JK7M-29QX-4",
    text_score=0.88,
    distance_m=40.0,
    score=0.98,
)
SIMILAR = dataclasses.replace(
    SAME_POTHOLE, report_id=8, text_score=0.80, distance_m=350.0, score=0.8
)
UNRELATED = dataclasses.replace(
    SAME_POTHOLE, report_id=9, text_score=0.3, distance_m=900.0, score=0.3
)
NOWHERE = AreaMatch()


def _decide(
    channel: str = "twilio",
    candidates: list[Candidate] | None = None,
    *,
    asked_before: bool = False,
    **fields: object,
) -> Decision:
    return decide(
        draft(channel=channel, **fields),
        candidates or [],
        rules_for(channel),
        SETTINGS,
        asked_before=asked_before,
    )


def test_complete_report_is_ready() -> None:
    assert _decide(candidates=[UNRELATED]) == Decision(Outcome.READY)


def test_emergency_goes_to_review_even_when_it_looks_like_a_duplicate() -> None:
    decision = _decide(candidates=[SAME_POTHOLE], emergency="kebakaran")
    assert decision.outcome is Outcome.NEEDS_REVIEW
    assert "emergency" in decision.reasons
    assert decision.duplicate_of is None


def test_outside_jakarta_is_rejected() -> None:
    depok = AreaMatch(
        kota_name="Kota Depok", confidence=0.9, has_address=True, outside_jakarta=True
    )
    decision = _decide(area=depok, candidates=[SAME_POTHOLE])
    assert decision == Decision(Outcome.REJECTED, ("outside_jakarta",))


def test_missing_location_is_asked_for_on_a_chat_channel() -> None:
    decision = _decide(area=NOWHERE, lat=None, lon=None, missing=["location"])
    assert decision.outcome is Outcome.NEEDS_INFO
    assert decision.ask == ("location",)
    assert decision.reasons == ("missing_location",)


def test_missing_location_asked_once_then_review() -> None:
    decision = _decide(area=NOWHERE, lat=None, lon=None, missing=["location"], asked_before=True)
    assert decision.outcome is Outcome.NEEDS_REVIEW
    assert decision.reasons == ("missing_location",)
    assert decision.ask == ("location",)


def test_channel_that_cannot_ask_sends_incomplete_reports_to_review() -> None:
    decision = _decide("walkin", area=NOWHERE, lat=None, lon=None, missing=["location"])
    assert decision.outcome is Outcome.NEEDS_REVIEW
    assert decision.reasons == ("missing_location",)


def test_social_media_without_photo_asks_for_one() -> None:
    decision = _decide("twitter", photo_count=0, missing=["photo"])
    assert decision.outcome is Outcome.NEEDS_INFO
    assert decision.ask == ("photo",)


def test_missing_photo_is_fine_on_whatsapp() -> None:
    assert _decide("twilio", photo_count=0, missing=["photo"]).outcome is Outcome.READY


def test_duplicate_above_threshold_links_to_the_original() -> None:
    decision = _decide(candidates=[SAME_POTHOLE, SIMILAR])
    assert decision.outcome is Outcome.DUPLICATE
    assert decision.duplicate_of == 7
    assert decision.reasons == ("duplicate",)
    assert decision.candidates == (SAME_POTHOLE,)


def test_middle_band_goes_to_review_as_possible_duplicate() -> None:
    decision = _decide(candidates=[SIMILAR, UNRELATED])
    assert decision.outcome is Outcome.NEEDS_REVIEW
    assert decision.reasons == ("possible_duplicate",)
    assert decision.candidates == (SIMILAR,)
    assert decision.duplicate_of is None


def test_possible_duplicate_is_not_asked_about_but_reviewed() -> None:
    decision = _decide(area=NOWHERE, lat=None, lon=None, missing=["location"], candidates=[SIMILAR])
    assert decision.outcome is Outcome.NEEDS_REVIEW
    assert set(decision.reasons) == {"missing_location", "possible_duplicate"}


def test_news_clipping_always_goes_to_channel_review() -> None:
    decision = _decide("media_massa")
    assert decision.outcome is Outcome.NEEDS_REVIEW
    assert decision.reasons == ("channel_review",)


#: "Tebet" matched Tebet Barat, but Tebet Timur is close in score: both in Kecamatan Tebet.
TEBET_UNSURE = dataclasses.replace(
    KEBON_SIRIH,
    kota_code="31.74",
    kecamatan_code="31.74.01",
    kelurahan_code="31.74.01.1001",
    kelurahan_name="Tebet Barat",
    confidence=0.6,
    candidates=[
        {"kelurahan_code": "31.74.01.1001", "kelurahan_name": "Tebet Barat"},
        {"kelurahan_code": "31.74.01.1002", "kelurahan_name": "Tebet Timur"},
    ],
)


def test_uncertain_kelurahan_in_a_known_kecamatan_is_asked_once_with_the_choices() -> None:
    # One question covers the kelurahan and the missing photo (one round trip, not two).
    decision = _decide(
        "twitter", area=TEBET_UNSURE, lat=None, lon=None, photo_count=0, missing=["photo"]
    )
    assert decision.outcome is Outcome.NEEDS_INFO
    assert decision.reasons == ("missing_photo", "ambiguous_location")
    assert decision.ask == ("photo", "kelurahan")
    assert decision.kelurahan_choices == ("Tebet Barat", "Tebet Timur")


def test_uncertain_kelurahan_still_unclear_after_asking_goes_to_review() -> None:
    decision = _decide("twilio", area=TEBET_UNSURE, lat=None, lon=None, asked_before=True)
    assert decision.outcome is Outcome.NEEDS_REVIEW
    assert decision.reasons == ("ambiguous_location",)


def test_ambiguity_across_kecamatan_goes_to_review() -> None:
    # Choices in two kecamatan: too open a question for the citizen; an admin reads the text.
    across = dataclasses.replace(
        TEBET_UNSURE,
        candidates=[
            {"kelurahan_code": "31.74.01.1001", "kelurahan_name": "Tebet Barat"},
            {"kelurahan_code": "31.73.05.1004", "kelurahan_name": "Kelapa Dua"},
        ],
    )
    decision = _decide("twilio", area=across, lat=None, lon=None)
    assert decision.outcome is Outcome.NEEDS_REVIEW
    assert decision.reasons == ("ambiguous_location",)


def test_kecamatan_only_asks_the_citizen_which_kelurahan() -> None:
    # "Tebet" alone: the normalizer knows the kecamatan, not the kelurahan, and lists both.
    tebet = AreaMatch(
        kota_code="31.74",
        kecamatan_code="31.74.01",
        confidence=0.6,
        has_address=True,
        candidates=TEBET_UNSURE.candidates,
    )
    decision = _decide(area=tebet, lat=None, lon=None, missing=["location", "address_detail"])
    assert decision.outcome is Outcome.NEEDS_INFO
    assert decision.ask == ("address_detail", "kelurahan")
    assert decision.kelurahan_choices == ("Tebet Barat", "Tebet Timur")


def test_point_inside_a_resolved_kelurahan_needs_no_text_confidence() -> None:
    by_point = dataclasses.replace(KEBON_SIRIH, confidence=0.3)
    assert _decide(area=by_point).outcome is Outcome.READY


#: A gambling ad as they reach @DKIJakarta's mentions (shape of real posts, no real link).
SLOT_AD = "SLOT GACOR hari ini gampang maxwin! Daftar sekarang, bonus new member 100% cek bio"
ABUSE_ONLY = "dasar pejabat goblok, kerja ga becus semua, b4ngs4t"
ANGRY_COMPLAINT = (
    "Jalan Kebon Sirih RT 02 RW 03 berlubang besar sudah dua minggu, anj1ng ga dibenerin juga"
)


def test_spam_is_rejected_whatever_else_it_has() -> None:
    decision = _decide(description=SLOT_AD, original_text=SLOT_AD, candidates=[SAME_POTHOLE])
    assert decision == Decision(Outcome.REJECTED, ("spam",))


def test_complaint_about_gambling_is_not_spam() -> None:
    text = "Warung di Gg. Melati RT 03 jadi tempat judi online dan togel tiap malam, mohon ditindak"
    assert _decide(description=text, original_text=text).outcome is Outcome.READY


def test_insults_without_a_complaint_are_rejected() -> None:
    decision = _decide(
        description=ABUSE_ONLY,
        original_text=ABUSE_ONLY,
        category="lainnya",
        missing=["description"],
    )
    assert decision == Decision(Outcome.REJECTED, ("profanity",))


def test_angry_complaint_goes_to_an_admin_not_the_bin() -> None:
    decision = _decide(description=ANGRY_COMPLAINT, original_text=ANGRY_COMPLAINT)
    assert decision.outcome is Outcome.NEEDS_REVIEW
    assert decision.reasons == ("profanity",)


def test_stray_dog_is_a_complaint_not_profanity() -> None:
    text = "Ada anjing liar menggigit anak-anak di Jl. Kebon Sirih RT 02, mohon ditangkap"
    assert _decide(description=text, original_text=text).outcome is Outcome.READY


#: The citizen's own open report (same conversation) about the same pothole, reworded.
OWN_POTHOLE = dataclasses.replace(
    SAME_POTHOLE, report_id=11, text_score=0.7, score=0.7, same_citizen=True, same_place=True
)


def test_same_citizen_same_issue_is_a_duplicate_of_their_own_report() -> None:
    decision = _decide(candidates=[SIMILAR, OWN_POTHOLE])
    assert decision.outcome is Outcome.DUPLICATE
    assert (decision.reasons, decision.duplicate_of) == (("same_citizen",), 11)
    assert decision.candidates == (OWN_POTHOLE,)


def test_same_citizen_elsewhere_or_about_something_else_is_a_new_report() -> None:
    elsewhere = dataclasses.replace(OWN_POTHOLE, same_place=False, distance_m=1_500.0, score=0.35)
    other_problem = dataclasses.replace(
        OWN_POTHOLE, same_category=False, text_score=0.35, score=0.33
    )
    assert _decide(candidates=[elsewhere]).outcome is Outcome.READY
    assert _decide(candidates=[other_problem]).outcome is Outcome.READY


def test_same_citizen_reporting_an_emergency_again_is_seen_by_an_admin() -> None:
    decision = _decide(candidates=[OWN_POTHOLE], emergency="kebakaran")
    assert decision.outcome is Outcome.NEEDS_REVIEW
    assert "emergency" in decision.reasons


def test_abusive_words_with_a_place_but_no_known_category_go_to_an_admin() -> None:
    text = "Anj1ng, ada yang buang bangkai kucing di depan rumah saya, Jl. Kebon Sirih RT 02"
    decision = _decide(description=text, original_text=text, category="lainnya")
    assert decision.outcome is Outcome.NEEDS_REVIEW
    assert decision.reasons == ("profanity",)
