"""Admin review tables: accounts, server-side sessions, report claims, login throttles."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from pipeline.models import AwareDateTime, utcnow


class AdminUser(SQLModel, table=True):
    """A person who reviews reports or runs a walk-in desk; role and area limit what they see."""

    __tablename__ = "admin_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=32)
    kota_code: str = Field(default="", max_length=8)
    kecamatan_code: str = Field(default="", max_length=12)
    kelurahan_code: str = Field(default="", max_length=16)
    channel: str = Field(default="", max_length=32)
    office: str = Field(default="", max_length=64)
    display_name: str = Field(default="", max_length=100)
    disabled: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=AwareDateTime)
    created_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)
    last_login_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    lang: str = Field(default="id", max_length=8)


class AdminSession(SQLModel, table=True):
    """A login session; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "admin_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="admin_user.id", index=True)
    csrf_secret: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)
    last_seen_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)
    expires_at: datetime = Field(sa_type=AwareDateTime, index=True)


class ReportClaim(SQLModel, table=True):
    """One admin working on a report until expires_at; others see who and cannot act."""

    __tablename__ = "report_claim"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", unique=True)
    user_id: int = Field(foreign_key="admin_user.id", index=True)
    claimed_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)
    expires_at: datetime = Field(sa_type=AwareDateTime)


class LoginThrottle(SQLModel, table=True):
    """Failed logins from one client address within the current window."""

    __tablename__ = "login_throttle"

    key: str = Field(primary_key=True, max_length=64)  # sha256 of the address (no raw IPs)
    failures: int = 0
    window_start: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)
    locked_until: datetime | None = Field(default=None, sa_type=AwareDateTime)
