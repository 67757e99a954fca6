"""Admin UI fixtures: the real app on a migrated SQLite database, accounts, logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from pipeline.db import session_scope
from tests.conftest import PipelineEnv
from web.app import create_app
from web.review.auth import Role
from web.review.models import AdminUser
from web.review.passwords import hash_password

PASSWORD = "Monas-Jakarta-2026"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# One argon2 hash for every test account: hashing costs ~0.1 s (64 MiB) each time.
_HASH = hash_password(PASSWORD)


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    found = _TOKEN.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


def add_user(username: str, role: Role, **fields: object) -> AdminUser:
    """Create an account with PASSWORD."""
    with session_scope() as session:
        user = AdminUser(username=username, password_hash=_HASH, role=role.value, **fields)
        session.add(user)
        session.flush()
        session.refresh(user)
    return user


def login(client: TestClient, username: str, password: str = PASSWORD) -> object:
    """Log in through the form like a browser (GET for the token, then POST)."""
    page = client.get("/admin/login")
    return client.post(
        "/admin/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
        follow_redirects=False,
    )


@pytest.fixture
def client(pipeline_env: PipelineEnv) -> Iterator[TestClient]:
    """A browser-like client of the whole app over https (Secure cookies are sent)."""
    with TestClient(
        create_app(pipeline_env.settings),
        base_url="https://testserver",
        headers={"Accept": "text/html"},
    ) as test_client:
        yield test_client


@pytest.fixture
def client_factory(pipeline_env: PipelineEnv) -> Iterator[Callable[[], TestClient]]:
    """More independent browsers on the same app."""
    app = create_app(pipeline_env.settings)
    made: list[TestClient] = []

    def make() -> TestClient:
        made.append(TestClient(app, base_url="https://testserver", headers={"Accept": "text/html"}))
        return made[-1]

    yield make
    for c in made:
        c.close()
