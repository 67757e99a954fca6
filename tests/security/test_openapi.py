"""schemathesis over the web app's OpenAPI: no request an attacker can build makes a 5xx.

Every documented operation (CRM core API, Open311, tracking JSON, and whatever else the app
mounts) is called with generated inputs through the ASGI app on a real SQLite pipeline, with
and without the API key. (schemathesis' `from_fixture` trips over pytest 9's node ids, so each
operation is driven here with its own hypothesis strategy.)
"""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from tests.conftest import close_env, make_env
from web.app import create_app

API_KEY = "kunci-uji-crm"


def _fuzz(operation: Any, examples: int, statuses: Counter[int], failures: list[str]) -> None:
    """Call one operation with generated cases; record statuses and any 5xx."""

    @given(case=operation.as_strategy(), keyed=st.booleans())
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def call(case: schemathesis.Case, keyed: bool) -> None:
        # With the API key the generated input reaches the handlers, not just the guard.
        response = case.call(headers={"X-API-Key": API_KEY} if keyed else None)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except Exception as exc:
            failures.append(f"{operation.label}: {str(exc)[:300]}")
            raise

    with contextlib.suppress(Exception):  # the failure is in `failures`, shrunk by hypothesis
        call()


def test_no_operation_answers_a_server_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, long_run: bool
) -> None:
    env = make_env(monkeypatch, tmp_path, INTAKE_CRM__API_KEY=API_KEY)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    try:
        schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(env.settings))
        operations = [result.ok() for result in schema.get_all_operations()]
        for operation in operations:
            _fuzz(operation, 100 if long_run else 15, statuses, failures)
    finally:
        close_env(env)
    assert len(operations) >= 5, [op.label for op in operations]
    assert statuses[200] > 0 and sum(statuses.values()) > len(operations), statuses
    assert failures == [], "\n".join(failures)
