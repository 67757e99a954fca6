"""STATUS <nomor> answers for chat channels, from the CRM core's public view."""

from __future__ import annotations

from datetime import timedelta, timezone

from config.settings import get_settings
from crm_client.base import CRMError, InvalidTrackingNumber
from pipeline import replies
from pipeline.crm import get_client

WIB = timezone(timedelta(hours=7), "WIB")


def status_text(number: str) -> str:
    """The reply to `STATUS <number>`: the status, a hint for a mistyped number, or not found."""
    if not number.strip():
        return replies.render(
            "status_invalid",
            hint="Mohon tulis STATUS lalu nomor laporan Anda, misalnya STATUS JK7M-29QX-4.",
        )
    try:
        info = get_client(get_settings()).track(number)
    except InvalidTrackingNumber as exc:
        return replies.render("status_invalid", hint=exc.hint)
    except CRMError:
        return "Mohon maaf, status laporan belum dapat dicek saat ini. Silakan coba lagi nanti."
    if info is None:
        return replies.render("status_unknown", tracking_number=number.strip().upper())
    last = info.history[-1] if info.history else None
    detail = f" sejak {last.at.astimezone(WIB):%d-%m-%Y %H:%M} WIB" if last else ""
    return replies.render(
        "status", tracking_number=info.tracking_number, status=info.status, detail=detail
    )
