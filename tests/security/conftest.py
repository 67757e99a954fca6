"""Security suite fixtures: scenario size under --long."""

from __future__ import annotations

import pytest


@pytest.fixture
def long_run(request: pytest.FixtureRequest) -> bool:
    """True under --long: more generated cases per operation."""
    return bool(request.config.getoption("--long"))
