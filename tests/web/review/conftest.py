"""Admin UI fixtures: the real app on a migrated SQLite database, accounts, logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from normalizers import category as categories
from normalizers import gazetteer
from pipeline.db import session_scope
from pipeline.models import InboxMessage, Report, utcnow
from tests.conftest import PipelineEnv
from web.app import create_app
from web.review.auth import Role
from web.review.csrf import issue
from web.review.models import AdminSession, AdminUser
from web.review.passwords import hash_password
from web.review.sessions import COOKIE, token_hash

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


_seq = iter(range(1, 1_000_000))


def make_report(
    kelurahan_code: str = "31.74.01.1001",
    *,
    channel: str = "twitter",
    state: str = "needs_review",
    description: str = "Jalan berlubang besar di depan SDN Tebet Timur 05, sudah dua minggu.",
    reasons: list[str] | None = None,
    office: str = "",
    category: str = "jalan_rusak",
    **values: object,
) -> Report:
    """A stored message and its report in `state`, located in a real kelurahan."""
    n = next(_seq)
    area = gazetteer.area(kelurahan_code)
    context = {"office": office} if office else {}
    with session_scope() as session:
        inbox = InboxMessage(
            channel=channel,
            external_id=f"test-{n}",
            received_at=utcnow(),
            state="processed",
            sender_handle=f"warga{n}",
            correlation_id=f"c{n}",
            payload={"channel": channel, "text": description, "reply_context": context},
        )
        session.add(inbox)
        session.flush()
        report = Report(
            reference=f"IN-TEST{n:05d}",
            inbox_message_id=inbox.id,
            channel=channel,
            state=state,
            reasons=reasons if reasons is not None else ["ambiguous_location"],
            description=description,
            original_text=description,
            kota_code=area.kota_code,
            kecamatan_code=area.kecamatan_code,
            kelurahan_code=area.code,
            kelurahan_name=area.name,
            category=category,
            opd=categories.OPD[category],
            **values,
        )
        session.add(report)
        session.flush()
        inbox.report_id = report.id
        session.add(inbox)
        session.refresh(report)
    return report


def logged_in(factory: Callable[[], TestClient], username: str) -> TestClient:
    """A new browser logged in as `username`."""
    browser = factory()
    assert login(browser, username).status_code == 303
    return browser


def session_token(client: TestClient) -> str:
    """A valid CSRF token of this client's session (as any of its pages would carry)."""
    with session_scope() as session:
        row = session.get(AdminSession, token_hash(client.cookies.get(COOKIE)))
        assert row is not None, "client is not logged in"
        return issue(row.csrf_secret)
