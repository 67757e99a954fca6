"""Per-channel completeness rules and the location confidence bands."""

from __future__ import annotations

import dataclasses

import pytest

from normalizers.report import AreaMatch
from pipeline.completeness import (
    DEFAULT_RULES,
    Thresholds,
    check,
    location_reasons,
    missing_items,
    rules_for,
)
from tests.pipeline.conftest import KEBON_SIRIH, draft

BANDS = Thresholds()


def test_unknown_channel_neither_asks_nor_replies() -> None:
    assert rules_for("kantor_inspektorat") == DEFAULT_RULES
    assert not DEFAULT_RULES.can_ask and not DEFAULT_RULES.sends_replies


@pytest.mark.parametrize(
    ("channel", "missing"),
    [
        ("twitter", ["description", "location", "photo"]),
        ("facebook", ["description", "location", "photo"]),
        ("twilio", ["description", "location"]),
        ("email", ["description", "location"]),
    ],
)
def test_missing_items_follow_the_channel(channel: str, missing: list[str]) -> None:
    bare = draft(
        channel=channel,
        area=AreaMatch(),
        lat=None,
        lon=None,
        photo_count=0,
        missing=["description", "location", "photo"],
    )
    assert missing_items(bare, rules_for(channel)) == missing


@pytest.mark.parametrize(
    ("confidence", "candidates", "reasons"),
    [
        (0.95, [], []),
        (0.8, [], []),
        (0.79, [], ["ambiguous_location"]),
        (0.5, [], ["ambiguous_location"]),
        (0.49, [], ["low_confidence"]),
        (0.6, [{"kelurahan_code": "a"}, {"kelurahan_code": "b"}], ["ambiguous_location"]),
    ],
)
def test_location_bands_from_text_alone(
    confidence: float, candidates: list[dict[str, object]], reasons: list[str]
) -> None:
    area = dataclasses.replace(KEBON_SIRIH, confidence=confidence, candidates=candidates)
    assert location_reasons(draft(area=area, lat=None, lon=None), BANDS) == reasons


def test_nothing_resolved_is_missing_location_not_low_confidence() -> None:
    bare = draft(area=AreaMatch(), lat=None, lon=None, missing=["location"])
    assert location_reasons(bare, BANDS) == []
    assert check(bare, rules_for("twilio"), BANDS) == ["missing_location"]


def test_point_outside_any_kelurahan_is_low_confidence() -> None:
    at_sea = draft(area=AreaMatch(), lat=-5.9, lon=106.6)  # Teluk Jakarta, no kelurahan polygon
    assert location_reasons(at_sea, BANDS) == ["low_confidence"]


def test_every_reason_is_listed_together() -> None:
    fire = draft(channel="media_massa", emergency="kebakaran", missing=["address_detail"])
    assert check(fire, rules_for("media_massa"), BANDS) == [
        "missing_address_detail",
        "emergency",
        "channel_review",
    ]
