"""Admin passwords: argon2id hashes, rehashed on login when the parameters change."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults are RFC 9106's second recommended profile (argon2id, t=3, 64 MiB, p=4),
# https://argon2-cffi.readthedocs.io/en/stable/parameters.html
HASHER = PasswordHasher()
MIN_LENGTH = 10
# Verifying against this when the username is unknown keeps both answers equally slow, so the
# login form does not reveal which usernames exist.
_DUMMY = HASHER.hash("not-a-real-password-0")


def hash_password(password: str) -> str:
    """An argon2id hash string (salt and parameters included)."""
    return HASHER.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """True when the password matches; an unknown user still costs one verification."""
    try:
        return HASHER.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than HASHER's."""
    return HASHER.check_needs_rehash(password_hash)


def weakness(password: str, username: str) -> str:
    """Why a new password is refused, or "" when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"password must have at least {MIN_LENGTH} characters"
    if username and username.lower() in password.lower():
        return "password must not contain the username"
    return ""
