"""Tracking numbers citizens read aloud and type on a phone: 8 symbols plus a check symbol.

The alphabet leaves out 0/O, 1/I/L so no two symbols are confused when spoken or handwritten
(the same idea as Crockford's Base32). It has 31 symbols and 31 is prime, so a weighted check
like ISBN-10's (weights 9..1, sum of weight x value = 0 mod 31) catches every single mistyped
symbol and every swap of two neighbours: each weight and each difference of neighbouring weights
is non-zero mod a prime. (Luhn mod N misses swaps of the first and last symbols of the alphabet,
as decimal Luhn misses 09 <-> 90.) Shown as "JK7M-29QX-4".
"""

from __future__ import annotations

import re
import secrets

from crm_client.base import InvalidTrackingNumber

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
N = len(ALPHABET)
BODY_LENGTH = 8
_INDEX = {symbol: i for i, symbol in enumerate(ALPHABET)}
_SEPARATORS = re.compile(r"[\s\-_.#/]+")
_CONFUSABLE = set("0O1IL")
EXAMPLE = "JK7M-29QX-4"

HINT_LENGTH = f"Nomor laporan terdiri dari 9 huruf/angka, contoh {EXAMPLE}. Mohon periksa kembali."
HINT_CONFUSABLE = (
    "Nomor laporan tidak pernah memakai angka 0 dan 1 atau huruf O, I dan L. "
    "Mohon periksa kembali nomor Anda."
)
HINT_SYMBOL = f"Nomor laporan hanya berisi huruf dan angka, contoh {EXAMPLE}."
HINT_CHECK = (
    "Nomor laporan tidak cocok: kemungkinan ada huruf/angka yang salah ketik atau tertukar. "
    "Mohon periksa kembali."
)


def _weighted_sum(symbols: str) -> int:
    # Weights count down to 1 at the last symbol, so the check symbol has weight 1.
    return sum(
        weight * _INDEX[s] for weight, s in zip(range(len(symbols), 0, -1), symbols, strict=True)
    )


def check_symbol(body: str) -> str:
    """The check symbol that makes the weighted sum of body + check divisible by 31."""
    return ALPHABET[-_weighted_sum(body + ALPHABET[0]) % N]


def is_valid(compact: str) -> bool:
    """True when the last symbol is the right check symbol for the rest."""
    return len(compact) == BODY_LENGTH + 1 and _weighted_sum(compact) % N == 0


def generate() -> str:
    """A new random tracking number in compact form (31^8, about 8.5e11 possibilities)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_symbol(body)


def display(compact: str) -> str:
    """Group for reading aloud: JK7M29QX4 -> JK7M-29QX-4."""
    return f"{compact[:4]}-{compact[4:8]}-{compact[8:]}"


def parse(text: str) -> str:
    """Citizen input -> canonical "JK7M-29QX-4"; accepts lower case, spaces, no dashes.

    Raises InvalidTrackingNumber with a Bahasa Indonesia hint saying what looks wrong.
    """
    compact = _SEPARATORS.sub("", text.strip()).upper()
    if not compact:
        raise InvalidTrackingNumber(HINT_LENGTH)
    if not compact.isalnum() or not compact.isascii():
        raise InvalidTrackingNumber(HINT_SYMBOL)
    if _CONFUSABLE & set(compact):
        raise InvalidTrackingNumber(HINT_CONFUSABLE)
    if len(compact) != BODY_LENGTH + 1:
        raise InvalidTrackingNumber(HINT_LENGTH)
    if not is_valid(compact):
        raise InvalidTrackingNumber(HINT_CHECK)
    return display(compact)
