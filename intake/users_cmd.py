"""`intake users ...`: admin accounts for the review UI and walk-in desks."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from typing import Annotated

import typer
from sqlmodel import Session, select

from normalizers import gazetteer
from web.review.auth import AREA_FIELD, Role
from web.review.models import AdminUser

users_app = typer.Typer(help="Admin accounts (review UI, walk-in desks).", no_args_is_help=True)

#: The gazetteer level an area-scoped role's --area code must have.
AREA_LEVEL = {
    Role.ADMIN_WALIKOTA: "kota",
    Role.ADMIN_KECAMATAN: "kecamatan",
    Role.ADMIN_KELURAHAN: "kelurahan",
}
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def area_fields(role: Role, area_code: str) -> dict[str, str]:
    """kota/kecamatan/kelurahan codes of an account from its --area (validated)."""
    level = AREA_LEVEL.get(role)
    if level is None:
        if area_code:
            raise typer.BadParameter(f"role {role} has no area", param_hint="--area")
        return {}
    try:
        found = gazetteer.area(area_code)
    except KeyError:
        unknown = f"unknown Kemendagri code {area_code!r}"
        raise typer.BadParameter(unknown, param_hint="--area") from None
    if found.level != level:
        raise typer.BadParameter(f"role {role} needs a {level} code", param_hint="--area")
    kota = found.kota_code or (found.code if level == "kota" else "")
    kecamatan = found.kecamatan_code or (found.code if level == "kecamatan" else "")
    return {
        "kota_code": kota,
        "kecamatan_code": kecamatan,
        "kelurahan_code": found.code if level == "kelurahan" else "",
    }


def read_password(from_stdin: bool, username: str) -> str:
    """A new password from stdin (first line) or a hidden, confirmed prompt; checked."""
    from web.review.passwords import weakness  # noqa: PLC0415  (argon2 only when needed)

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = weakness(password, username)
    if problem:
        raise typer.BadParameter(problem, param_hint="password")
    return password


def _session() -> AbstractContextManager[Session]:
    from intake.runtime import bootstrap  # noqa: PLC0415
    from pipeline.db import session_scope  # noqa: PLC0415

    bootstrap()
    return session_scope()


def _audit(
    session: Session, action: str, before: dict[str, object], after: dict[str, object]
) -> None:
    from pipeline.review import audit  # noqa: PLC0415

    audit(session, None, "intake users (cli)", action, before, after)


def _find(session: Session, username: str) -> AdminUser:
    user = session.exec(select(AdminUser).where(AdminUser.username == username.lower())).first()
    if user is None:
        typer.echo(f"no such user: {username}", err=True)
        raise typer.Exit(1)
    return user


@users_app.command("add")
def add(
    username: str,
    role: Annotated[Role, typer.Option(help="What the account may do.")],
    area: Annotated[str, typer.Option(help="Kemendagri code of the admin's area.")] = "",
    channel: Annotated[str, typer.Option(help="Channel slug (channel_admin).")] = "",
    office: Annotated[str, typer.Option(help="Office code (desk_staff).")] = "",
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    lang: Annotated[str, typer.Option(help="Interface language: id or en.")] = "id",
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an account (the password is prompted for, or read with --password-stdin)."""
    from web.review.passwords import hash_password  # noqa: PLC0415

    username = username.strip().lower()
    if not username or len(username) > 64:
        raise typer.BadParameter("1 to 64 characters", param_hint="username")
    fields = area_fields(role, area)
    needed = AREA_FIELD.get(role)
    if needed == "channel" and not channel:
        raise typer.BadParameter("channel_admin needs --channel", param_hint="--channel")
    if role is Role.DESK_STAFF and not office:
        raise typer.BadParameter("desk_staff needs --office", param_hint="--office")
    password = read_password(password_stdin, username)
    with _session() as session:
        if session.exec(select(AdminUser).where(AdminUser.username == username)).first():
            typer.echo(f"user exists: {username}", err=True)
            raise typer.Exit(1)
        user = AdminUser(
            username=username,
            password_hash=hash_password(password),
            role=role.value,
            channel=channel if role is Role.CHANNEL_ADMIN else "",
            office=office if role is Role.DESK_STAFF else "",
            display_name=name,
            lang=lang if lang in ("id", "en") else "id",
            **fields,
        )
        session.add(user)
        _audit(session, "user_add", {}, {"username": username, "role": role.value, **fields})
    typer.echo(f"created {username} ({role.value})")


def _set_disabled(username: str, disabled: bool) -> None:
    from web.review import sessions  # noqa: PLC0415

    with _session() as session:
        user = _find(session, username)
        before = {"username": user.username, "disabled": user.disabled}
        user.disabled = disabled
        session.add(user)
        ended = sessions.end_all(session, user.id or 0) if disabled else 0
        _audit(
            session, "user_disable" if disabled else "user_enable", before, {"disabled": disabled}
        )
    typer.echo(f"{'disabled' if disabled else 'enabled'} {user.username}; sessions ended: {ended}")


@users_app.command("disable")
def disable(username: str) -> None:
    """Disable an account and end its sessions at once."""
    _set_disabled(username, True)


@users_app.command("enable")
def enable(username: str) -> None:
    """Enable an account again (and lift a lockout)."""
    with _session() as session:
        user = _find(session, username)
        user.failed_logins, user.locked_until = 0, None
        session.add(user)
    _set_disabled(username, False)


@users_app.command("reset")
def reset(username: str, password_stdin: PasswordStdin = False) -> None:
    """Set a new password, lift a lockout and end the account's sessions."""
    from web.review import sessions  # noqa: PLC0415
    from web.review.passwords import hash_password  # noqa: PLC0415

    password = read_password(password_stdin, username.strip().lower())
    with _session() as session:
        user = _find(session, username)
        user.password_hash = hash_password(password)
        user.failed_logins, user.locked_until = 0, None
        session.add(user)
        ended = sessions.end_all(session, user.id or 0)
        _audit(session, "user_reset", {"username": user.username}, {"sessions_ended": ended})
    typer.echo(f"password reset for {user.username}; sessions ended: {ended}")


@users_app.command("list")
def list_users() -> None:
    """Accounts with role, scope and state (no password data)."""
    from pipeline.models import utcnow  # noqa: PLC0415

    with _session() as session:
        users = session.exec(select(AdminUser).order_by(AdminUser.username)).all()
    now = utcnow()
    for u in users:
        scope = u.kelurahan_code or u.kecamatan_code or u.kota_code or u.channel or u.office or "-"
        locked = u.locked_until is not None and u.locked_until > now
        state = "disabled" if u.disabled else ("locked" if locked else "active")
        last = u.last_login_at.isoformat(timespec="minutes") if u.last_login_at else "never"
        typer.echo(f"{u.username}\t{u.role}\t{scope}\t{state}\tlast login {last}")
