"""The tweepy Client we use: a timeout on every request, an optional base URL, mapped errors."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests
import tweepy
from requests.adapters import HTTPAdapter

from config.settings import TwitterSettings
from connectors.contract import AuthFailed, BadConfig, ConnectorError, TemporarilyUnavailable

# tweepy 4.17 hard-codes this host inside BaseClient.request() and has no base-URL option.
TWEEPY_HOST = "https://api.twitter.com"


class _RebasingAdapter(HTTPAdapter):
    """Sends tweepy's requests to another base URL and never without a timeout."""

    def __init__(self, base_url: str, timeout_s: float) -> None:
        super().__init__(max_retries=0)
        self.base_url, self.timeout_s = base_url.rstrip("/"), timeout_s

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.url and self.base_url != TWEEPY_HOST and request.url.startswith(TWEEPY_HOST):
            request.url = self.base_url + request.url[len(TWEEPY_HOST) :]
        # tweepy passes no timeout to requests, which would then wait forever on a stuck socket
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout_s
        return super().send(request, **kwargs)


def make_client(settings: TwitterSettings) -> tweepy.Client:
    """A tweepy Client returning plain JSON dicts, with our transport mounted on its session."""
    client = tweepy.Client(
        bearer_token=settings.bearer_token.get_secret_value() if settings.bearer_token else None,
        consumer_key=settings.consumer_key or None,
        consumer_secret=(
            settings.consumer_secret.get_secret_value() if settings.consumer_secret else None
        ),
        access_token=settings.access_token or None,
        access_token_secret=(
            settings.access_token_secret.get_secret_value()
            if settings.access_token_secret
            else None
        ),
        return_type=dict,
        wait_on_rate_limit=False,  # we never sleep inside a request: the poll loop waits
    )
    client.session.mount(
        TWEEPY_HOST + "/", _RebasingAdapter(settings.api_base_url, settings.timeout_s)
    )
    return client


def retry_after(reset_epoch: int | None, now: Callable[[], float] = time.time) -> float:
    """Seconds until x-rate-limit-reset (epoch seconds); 60 s when the header was missing."""
    return max(float(reset_epoch) - now(), 1.0) if reset_epoch else 60.0


@contextmanager
def mapped_errors(what: str) -> Iterator[None]:
    """Turn tweepy/requests failures into the four connector errors."""
    try:
        yield
    except tweepy.TooManyRequests as exc:
        # https://docs.x.com/x-api/fundamentals/rate-limits: x-rate-limit-reset is the epoch
        # second the window resets; asking before then only earns another 429.
        raise TemporarilyUnavailable(
            f"{what}: rate limited (429)", retry_after(exc.reset_time)
        ) from exc
    except tweepy.Unauthorized as exc:
        raise AuthFailed(f"{what}: token refused (401)") from exc
    except tweepy.Forbidden as exc:
        detail = "; ".join(exc.api_messages)[:200]
        if "duplicate" in detail.lower():
            raise DuplicateTweet(detail) from exc
        # 403 also means "your access tier does not include this endpoint" (client-not-enrolled)
        raise AuthFailed(f"{what}: forbidden (403): {detail} - check the app's API tier") from exc
    except tweepy.TwitterServerError as exc:
        raise TemporarilyUnavailable(
            f"{what}: X API error {exc.response.status_code}", 30.0
        ) from exc
    except tweepy.BadRequest as exc:
        raise BadConfig("INTAKE_TWITTER__USER_ID", f"{what} refused: {exc.api_messages}") from exc
    except tweepy.HTTPException as exc:
        raise ConnectorError(f"{what}: HTTP {exc.response.status_code}") from exc
    except requests.RequestException as exc:
        raise TemporarilyUnavailable(f"{what}: {type(exc).__name__}", 30.0) from exc


class DuplicateTweet(ConnectorError):
    """X refused a tweet with the same text as one already posted: it is out already."""
