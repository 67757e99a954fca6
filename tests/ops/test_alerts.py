"""docs/alerts.yml speaks about metrics /metrics really serves, and every alert has a runbook."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from connectors.intake import accept, heartbeat
from tests.conftest import close_env, make_env
from tests.pipeline.conftest import message
from web.app import create_app

DOCS = Path(__file__).resolve().parents[2] / "docs"
RULES = yaml.safe_load((DOCS / "alerts.yml").read_text(encoding="utf-8"))
ALERTS = [rule for group in RULES["groups"] for rule in group["rules"]]
METRIC = re.compile(r"\b((?:intake|crm)_[a-z_]+)")


def _served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> set[str]:
    env = make_env(monkeypatch, tmp_path, INTAKE_MEDIA_MASSA__FEEDS='["https://example.org/rss"]')
    try:
        accept(message(channel="import"))
        env.drain()
        heartbeat("media_massa", lag_seconds=3.0)
        text = TestClient(create_app(env.settings)).get("/metrics").text
    finally:
        close_env(env)
    return {s.name for f in text_string_to_metric_families(text) for s in f.samples}


def test_every_metric_in_the_rules_is_served(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    served = _served(monkeypatch, tmp_path)
    used = {name for rule in ALERTS for name in METRIC.findall(rule["expr"])}
    assert used, "the rules name no metric"
    assert used - served == set()


def test_every_alert_has_a_runbook_section() -> None:
    guide = (DOCS / "operations.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^### (\w+)$", guide, flags=re.MULTILINE))
    names = [rule["alert"] for rule in ALERTS]
    assert len(names) == len(set(names))
    assert set(names) <= sections
    for rule in ALERTS:
        assert rule["annotations"]["runbook"] == f"docs/operations.md#{rule['alert'].lower()}"
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}
