"""Login, lockout, session fixation, logout, CSRF on the login form, security headers."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from pipeline.db import session_scope
from pipeline.models import AuditAction
from tests.web.review.conftest import PASSWORD, add_user, csrf_token, login
from web.review.auth import Role
from web.review.models import AdminSession, AdminUser
from web.review.sessions import COOKIE, token_hash


def test_browser_without_session_is_sent_to_login_and_json_gets_401(client: TestClient) -> None:
    page = client.get("/admin/", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/admin/login?next=/admin/"
    api = client.get("/admin/", headers={"Accept": "application/json"}, follow_redirects=False)
    assert api.status_code == 401


def test_login_sets_hardened_cookie_and_logout_deletes_server_session(client: TestClient) -> None:
    add_user("rina", Role.SUPERADMIN)
    response = login(client, "Rina")  # usernames are case-insensitive
    assert response.status_code == 303
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    assert "Path=/admin" in cookie
    token = client.cookies.get(COOKIE)
    with session_scope() as session:
        assert session.get(AdminSession, token_hash(token)) is not None
    home = client.get("/admin/lang?to=id")
    out = client.post(
        "/admin/logout", data={"csrf_token": csrf_token(home.text)}, follow_redirects=False
    )
    assert out.status_code == 303 and out.headers["location"] == "/admin/login"
    with session_scope() as session:
        assert session.get(AdminSession, token_hash(token)) is None
    # the old cookie, replayed, no longer opens anything
    replay = TestClient(client.app, base_url="https://testserver", cookies={COOKIE: token})
    assert replay.get("/admin/", headers={"Accept": "application/json"}).status_code == 401


def test_wrong_password_is_refused_with_a_generic_message(client: TestClient) -> None:
    add_user("budi", Role.ADMIN_WALIKOTA, kota_code="31.74")
    wrong = login(client, "budi", "salah-sekali-123")
    unknown = login(client, "tidakada", "salah-sekali-123")
    assert wrong.status_code == unknown.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in wrong.text
    assert "Nama pengguna atau kata sandi salah." in unknown.text
    assert COOKIE not in client.cookies


def test_account_locks_after_repeated_failures_even_for_the_right_password(
    client: TestClient,
) -> None:
    add_user("sari", Role.ADMIN_KELURAHAN, kelurahan_code="31.74.01.1001")
    for _ in range(5):
        assert login(client, "sari", "bukan-kata-sandinya").status_code == 401
    locked = login(client, "sari", PASSWORD)
    assert locked.status_code == 429
    assert "Terlalu banyak percobaan gagal" in locked.text
    with session_scope() as session:
        events = session.exec(select(AuditAction.actor, AuditAction.action)).all()
    assert ("sari", "lockout") in events
    with session_scope() as session:
        user = session.exec(select(AdminUser).where(AdminUser.username == "sari")).one()
        assert user.locked_until is not None
        user.locked_until = None  # the lockout ran out
        session.add(user)
    assert login(client, "sari", PASSWORD).status_code == 303


def test_one_address_trying_many_accounts_is_locked_out(client: TestClient) -> None:
    add_user("ayu", Role.SUPERADMIN)
    for n in range(30):
        assert login(client, f"tebakan{n}", "coba-coba-123").status_code == 401
    assert login(client, "ayu", PASSWORD).status_code == 429


def test_login_mints_a_new_session_and_drops_the_one_the_browser_brought(
    client: TestClient,
) -> None:
    add_user("dewi", Role.SUPERADMIN)
    login(client, "dewi")
    first = client.cookies.get(COOKIE)
    # an attacker plants a known session cookie, the victim logs in again
    login(client, "dewi")
    second = client.cookies.get(COOKIE)
    assert first and second and first != second
    with session_scope() as session:
        assert session.get(AdminSession, token_hash(first)) is None
        assert session.get(AdminSession, token_hash(second)) is not None


def test_login_post_without_or_with_a_foreign_csrf_token_is_refused(
    client: TestClient, client_factory
) -> None:
    add_user("eka", Role.SUPERADMIN)
    client.get("/admin/login")
    bare = client.post("/admin/login", data={"username": "eka", "password": PASSWORD})
    assert bare.status_code == 403
    other = client_factory()
    foreign = csrf_token(other.get("/admin/login").text)  # valid, but for another browser
    stolen = client.post(
        "/admin/login", data={"username": "eka", "password": PASSWORD, "csrf_token": foreign}
    )
    assert stolen.status_code == 403
    assert COOKIE not in client.cookies


def test_disabled_account_cannot_log_in_or_keep_using_its_session(client: TestClient) -> None:
    user = add_user("fajar", Role.SUPERADMIN)
    login(client, "fajar")
    with session_scope() as session:
        row = session.get(AdminUser, user.id)
        row.disabled = True
        session.add(row)
    assert client.get("/admin/", headers={"Accept": "application/json"}).status_code == 401
    assert login(client, "fajar").status_code == 401


def test_admin_pages_carry_security_headers(client: TestClient) -> None:
    page = client.get("/admin/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert "camera=()" in page.headers["permissions-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in page.headers  # public_base_url is http here
    assert client.get("/admin/static/htmx.min.js").status_code == 200


def test_english_toggle_translates_the_interface(client: TestClient) -> None:
    assert "Nama pengguna" in client.get("/admin/login").text
    client.get("/admin/lang?to=en&next=/admin/login")
    page = client.get("/admin/login")
    assert "Username" in page.text and '<html lang="en">' in page.text


def test_login_redirect_never_leaves_the_admin_ui(client: TestClient) -> None:
    add_user("gita", Role.SUPERADMIN)
    page = client.get("/admin/login?next=//evil.example/")
    response = client.post(
        "/admin/login",
        data={
            "username": "gita",
            "password": PASSWORD,
            "csrf_token": csrf_token(page.text),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/admin/"


def test_login_rehashes_a_password_stored_with_older_argon2_parameters(client: TestClient) -> None:
    from argon2 import PasswordHasher

    from web.review.passwords import needs_rehash

    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    user = add_user("lama", Role.SUPERADMIN)
    with session_scope() as session:
        row = session.get(AdminUser, user.id)
        row.password_hash = old
        session.add(row)
    assert login(client, "lama").status_code == 303
    with session_scope() as session:
        stored = session.get(AdminUser, user.id).password_hash
    assert stored != old and not needs_rehash(stored)


def test_expired_sessions_and_stale_address_counters_are_pruned_at_login(
    client: TestClient,
) -> None:
    from datetime import timedelta

    from pipeline.models import utcnow
    from web.review.models import LoginThrottle

    user = add_user("hana", Role.SUPERADMIN)
    login(client, "tebakan", "salah-sekali-123")  # one failure from this address
    with session_scope() as session:
        session.add(
            AdminSession(
                token_hash="0" * 64,
                user_id=user.id,
                csrf_secret="x",
                expires_at=utcnow() - timedelta(minutes=1),
            )
        )
        for row in session.exec(select(LoginThrottle)).all():
            row.window_start = utcnow() - timedelta(hours=1)
            session.add(row)
    assert login(client, "hana").status_code == 303
    with session_scope() as session:
        assert session.get(AdminSession, "0" * 64) is None
        assert session.exec(select(LoginThrottle)).all() == []


def test_hsts_only_when_the_site_is_served_over_https() -> None:
    from web.review.security import header_list

    assert (b"strict-transport-security", b"max-age=31536000; includeSubDomains") in header_list(
        True
    )
    assert all(name != b"strict-transport-security" for name, _ in header_list(False))
