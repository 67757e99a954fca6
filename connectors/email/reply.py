"""Replies over SMTP, threaded under the citizen's mail (In-Reply-To/References)."""

from __future__ import annotations

import hashlib
import smtplib
from email.message import EmailMessage
from email.utils import formatdate
from typing import ClassVar

from config.settings import EmailSettings
from connectors.contract import (
    AuthFailed,
    BadConfig,
    ConnectorError,
    OutboundReply,
    SendResult,
    TemporarilyUnavailable,
)
from connectors.email.parse import CHANNEL

RETRY_AFTER_S = 120.0


class RecipientRejected(ConnectorError):
    """The receiving server refused the address for good (5xx): do not retry."""


def _reply_subject(subject: str) -> str:
    subject = subject.strip() or "Laporan Anda"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def build_reply(reply: OutboundReply, from_address: str) -> EmailMessage:
    """The MIME reply (pure): threaded per RFC 5322 3.6.4, marked automatic per RFC 3834."""
    ctx = reply.reply_context
    parent = str(ctx.get("message_id") or "")
    references = [str(r) for r in ctx.get("references", [])] + ([parent] if parent else [])
    domain = from_address.rsplit("@", 1)[-1] or "localhost"
    key = reply.idempotency_key or hashlib.sha256(reply.model_dump_json().encode()).hexdigest()
    msg = EmailMessage()
    msg["From"] = from_address
    msg["To"] = reply.recipient
    msg["Subject"] = _reply_subject(str(ctx.get("subject", "")))
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    # Same key -> same Message-ID: a retried send after a lost "250 OK" is recognisably the same.
    msg["Message-ID"] = f"<crm-{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"
    if parent:
        msg["In-Reply-To"] = parent
    if references:
        msg["References"] = " ".join(references[-20:])  # keep the header bounded on long threads
    # RFC 3834 section 5: an automatic response says so, so vacation responders stay quiet
    # and no mail loop starts between our replies and theirs.
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"  # the same request in Microsoft Exchange's dialect
    msg.set_content(reply.text)
    return msg


class EmailReplySender:
    """Sends one reply per call over SMTP; maps SMTP outcomes to the four connector errors."""

    channel: ClassVar[str] = CHANNEL

    def __init__(self, settings: EmailSettings) -> None:
        if not settings.smtp_host:
            raise BadConfig("INTAKE_EMAIL__SMTP_HOST", "not set")
        if "@" not in settings.from_address:
            raise BadConfig("INTAKE_EMAIL__FROM_ADDRESS", "must be an email address")
        self.settings = settings

    def _smtp(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_ssl:
            return smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.timeout_s)
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout_s)
        if s.smtp_starttls:
            smtp.starttls()
        return smtp

    def _login(self, smtp: smtplib.SMTP) -> None:
        s = self.settings
        password = s.smtp_password or s.password
        user = s.smtp_username or s.username
        if user and password:
            smtp.login(user, password.get_secret_value())

    def send(self, reply: OutboundReply) -> SendResult:
        """Send the reply; TemporarilyUnavailable on 4xx/network, AuthFailed on 535."""
        msg = build_reply(reply, self.settings.from_address)
        try:
            with self._smtp() as smtp:
                self._login(smtp)
                smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError as exc:
            raise AuthFailed(f"SMTP login refused: {exc.smtp_code}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(code >= 500 for code in codes):
                raise RecipientRejected(f"recipient refused: {codes}") from exc
            raise TemporarilyUnavailable(f"recipient deferred: {codes}", RETRY_AFTER_S) from exc
        except smtplib.SMTPSenderRefused as exc:
            if exc.smtp_code >= 500:
                raise BadConfig("INTAKE_EMAIL__FROM_ADDRESS", f"refused ({exc.smtp_code})") from exc
            raise TemporarilyUnavailable(
                f"sender deferred: {exc.smtp_code}", RETRY_AFTER_S
            ) from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise RecipientRejected(f"SMTP {exc.smtp_code}") from exc
            raise TemporarilyUnavailable(f"SMTP {exc.smtp_code}", RETRY_AFTER_S) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TemporarilyUnavailable(
                f"SMTP unreachable: {type(exc).__name__}", RETRY_AFTER_S
            ) from exc
        return SendResult(provider_message_id=str(msg["Message-ID"]))
