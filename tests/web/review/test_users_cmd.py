"""`intake users`: accounts from the command line; passwords never on the command line."""

from __future__ import annotations

from sqlmodel import select
from typer.testing import CliRunner

from intake.cli import app
from pipeline.db import session_scope
from pipeline.models import AuditAction
from tests.web.review.conftest import login
from web.review.models import AdminSession, AdminUser
from web.review.passwords import verify

runner = CliRunner()
PASSWORD = "Kali-Ciliwung-77"


def _user(username: str) -> AdminUser:
    with session_scope() as session:
        return session.exec(select(AdminUser).where(AdminUser.username == username)).one()


def test_add_with_area_from_the_gazetteer_and_password_from_stdin(pipeline_env) -> None:
    result = runner.invoke(
        app,
        [
            "users",
            "add",
            "Lurah.TebetBarat",
            "--role",
            "admin_kelurahan",
            "--area",
            "31.74.01.1002",
            "--name",
            "Lurah Tebet Barat",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = _user("lurah.tebetbarat")
    assert (user.kota_code, user.kecamatan_code, user.kelurahan_code) == (
        "31.74",
        "31.74.01",
        "31.74.01.1002",
    )
    assert user.password_hash.startswith("$argon2id$") and verify(user.password_hash, PASSWORD)
    listed = runner.invoke(app, ["users", "list"])
    assert "lurah.tebetbarat\tadmin_kelurahan\t31.74.01.1002\tactive" in listed.output
    assert PASSWORD not in listed.output and "argon2" not in listed.output


def _add(username: str, *options: str, password: str = PASSWORD):
    return runner.invoke(
        app, ["users", "add", username, *options, "--password-stdin"], input=password + "\n"
    )


def test_add_refuses_wrong_area_level_weak_password_and_duplicates(pipeline_env) -> None:
    wrong_level = _add("camat", "--role", "admin_kecamatan", "--area", "31.74.01.1002")
    assert wrong_level.exit_code != 0 and "needs a kecamatan code" in wrong_level.output
    weak = _add("camat", "--role", "admin_kecamatan", "--area", "31.74.01", password="pendek")
    assert weak.exit_code != 0 and "at least 10 characters" in weak.output
    unknown = _add("camat", "--role", "admin_kecamatan", "--area", "31.99.01")
    assert unknown.exit_code != 0 and "unknown Kemendagri code" in unknown.output
    assert _add("kanal", "--role", "channel_admin", "--channel", "twitter").exit_code == 0
    again = _add("kanal", "--role", "channel_admin", "--channel", "twitter")
    assert again.exit_code == 1 and "user exists" in again.output


def test_disable_ends_sessions_and_reset_replaces_the_password(pipeline_env, client) -> None:
    runner.invoke(
        app,
        ["users", "add", "super", "--role", "superadmin", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert login(client, "super", PASSWORD).status_code == 303
    disabled = runner.invoke(app, ["users", "disable", "super"])
    assert "sessions ended: 1" in disabled.output
    with session_scope() as session:
        assert session.exec(select(AdminSession)).all() == []
    assert login(client, "super", PASSWORD).status_code == 401
    runner.invoke(app, ["users", "enable", "super"])
    new = "Monas-Baru-2026!"
    assert (
        runner.invoke(
            app, ["users", "reset", "super", "--password-stdin"], input=new + "\n"
        ).exit_code
        == 0
    )
    assert login(client, "super", PASSWORD).status_code == 401
    assert login(client, "super", new).status_code == 303
    with session_scope() as session:
        actions = [a.action for a in session.exec(select(AuditAction).order_by(AuditAction.id))]
    assert actions == ["user_add", "login", "user_disable", "user_enable", "user_reset", "login"]
