"""A local Twilio REST API: Messages create/list, Account fetch, Media with redirect to a CDN."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.fakes.http_fake import Call, FakeServer, Reply

_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(\w+)/Messages\.json$")
_ACCOUNT = re.compile(r"^/2010-04-01/Accounts/(\w+)\.json$")
_MEDIA = re.compile(r"^/2010-04-01/Accounts/(\w+)/Messages/(\w+)/Media/(\w+)$")


def twilio_error(status: int, code: int, message: str) -> Reply:
    """Twilio's REST error body (https://www.twilio.com/docs/usage/twilios-response)."""
    return Reply(
        status,
        {
            "code": code,
            "message": message,
            "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
        },
    )


class FakeTwilio(FakeServer):
    """Authenticates with HTTP Basic (account SID, auth token) like api.twilio.com."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        super().__init__()
        self.account_sid, self.auth_token = account_sid, auth_token
        self.sent: list[dict[str, str]] = []
        self.media: dict[str, tuple[bytes, str]] = {}  # ME sid -> (bytes, content type)

    def media_url(self, message_sid: str, media_sid: str) -> str:
        """The MediaUrlN Twilio puts in a webhook for this media."""
        return (
            f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages/"
            f"{message_sid}/Media/{media_sid}"
        )

    def route(self, call: Call) -> Reply:
        """Dispatch on Twilio's resource paths."""
        if call.path.startswith("/cdn/"):
            return self._cdn(call)
        if call.basic_auth() != (self.account_sid, self.auth_token):
            return twilio_error(401, 20003, "Authenticate")
        if (m := _MESSAGES.match(call.path)) and call.method == "POST":
            return self._create(call.form(), m.group(1))
        if (m := _ACCOUNT.match(call.path)) and call.method == "GET":
            return Reply(
                200,
                {
                    "sid": m.group(1),
                    "status": "active",
                    "friendly_name": "Pemprov DKI test account",
                },
            )
        if (m := _MEDIA.match(call.path)) and m.group(3) in self.media:
            # Twilio answers an authenticated media request with a redirect to a signed,
            # short-lived CDN URL that must be fetched without credentials.
            return Reply(307, headers={"Location": f"{self.base_url}/cdn/{m.group(3)}?sig=x"})
        return twilio_error(404, 20404, "The requested resource was not found")

    def _cdn(self, call: Call) -> Reply:
        if "authorization" in call.headers:
            return Reply(400, "Only one auth mechanism allowed", {"Content-Type": "text/plain"})
        media_sid = call.path.rsplit("/", 1)[-1]
        if media_sid not in self.media:
            return Reply(404, "gone", {"Content-Type": "text/plain"})
        data, content_type = self.media[media_sid]
        return Reply(200, data, {"Content-Type": content_type})

    def _create(self, form: dict[str, str], account: str) -> Reply:
        if not form.get("To"):
            return twilio_error(400, 21604, "A 'To' phone number is required.")
        if not (form.get("Body") or form.get("ContentSid") or form.get("MediaUrl")):
            return twilio_error(400, 21602, "Message body is required.")
        sid = "SM" + uuid.uuid4().hex
        self.sent.append(form | {"Sid": sid})
        body: dict[str, Any] = {
            "sid": sid,
            "account_sid": account,
            "to": form["To"],
            "from": form.get("From"),
            "body": form.get("Body", ""),
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "error_code": None,
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
        }
        return Reply(201, body)
