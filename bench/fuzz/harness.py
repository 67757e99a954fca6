"""atheris (libFuzzer) harnesses for the parsers: `python -m bench.fuzz.harness TARGET [args]`.

    uv run python -m bench.fuzz.harness telegram -runs=20000 -max_total_time=60
    uv run python -m bench.faults --fuzz      # every target, bounded, figures printed

Each target feeds bytes to one parser and lets through only the errors its caller handles;
anything else is a crash libFuzzer reports with the input that caused it.
Seeds: the scrubbed provider fixtures of tests/fixtures/.
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris

# Instrument only our own packages: instrumenting pydantic, PIL and friends too segfaults
# atheris 2.3.0 on CPython 3.11 (and they are not what is under test).
with atheris.instrument_imports(include=["connectors", "normalizers"]):
    from connectors.contract import UnsupportedEvent
    from connectors.email.parse import MalformedEmail, parse_email
    from connectors.facebook.parse import parse_payload
    from connectors.lapor1708.parse import parse_record, resolve_columns
    from connectors.media_massa.parse import MalformedFeed, parse_feed
    from connectors.telegram.parse import parse_update
    from connectors.twilio.parse import parse_form
    from connectors.twitter.parse import parse_page
    from normalizers.address import parse_address
    from normalizers.photos import inspect_photo

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"


def _json(data: bytes) -> object:
    try:
        return json.loads(data.decode("utf-8", "replace"))
    except ValueError:
        return None


def twilio(data: bytes) -> None:
    form = _json(data)
    if isinstance(form, dict):
        with contextlib.suppress(UnsupportedEvent, ValueError, TypeError):
            parse_form({str(k): str(v) for k, v in form.items()})


def telegram(data: bytes) -> None:
    with contextlib.suppress(UnsupportedEvent, KeyError, TypeError, ValueError, AttributeError):
        parse_update(_json(data))  # type: ignore[arg-type]


def meta(data: bytes) -> None:
    with contextlib.suppress(ValueError):
        parse_payload(_json(data))  # type: ignore[arg-type]


def twitter(data: bytes) -> None:
    page = _json(data)
    if isinstance(page, dict):
        parse_page(page, "1500000000000000001")


def lapor(data: bytes) -> None:
    record = _json(data)
    if isinstance(record, dict):
        with contextlib.suppress(ValueError):
            parse_record(record, resolve_columns([str(k) for k in record]), via="feed")


def email(data: bytes) -> None:
    with contextlib.suppress(UnsupportedEvent, MalformedEmail):
        parse_email(data)


def feed(data: bytes) -> None:
    with contextlib.suppress(MalformedFeed):
        parse_feed(data)


def address(data: bytes) -> None:
    parse_address(data.decode("utf-8", "replace"))


def photo(data: bytes) -> None:
    inspect_photo(data)


TARGETS: dict[str, tuple[Callable[[bytes], None], str]] = {
    "twilio": (twilio, "twilio/*.json"),
    "telegram": (telegram, "telegram/*.json"),
    "meta": (meta, "facebook/*.json"),
    "twitter": (twitter, "twitter/*.json"),
    "lapor": (lapor, "lapor1708/*.json"),
    "email": (email, "email/*.eml"),
    "feed": (feed, "media_massa/*.xml"),
    "address": (address, "email/gmail_plain_qp_reply.eml"),
    "photo": (photo, ""),
}


def seed_corpus(pattern: str) -> str:
    """A fresh corpus directory holding the fixtures that match pattern."""
    corpus = Path(tempfile.mkdtemp(prefix="intake-fuzz-"))
    for n, path in enumerate(sorted(FIXTURES.glob(pattern)) if pattern else []):
        (corpus / f"seed-{n}").write_bytes(path.read_bytes())
    return str(corpus)


def main() -> None:
    """Run one target under libFuzzer with the remaining arguments."""
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        raise SystemExit(f"usage: harness TARGET [libFuzzer args]; targets: {', '.join(TARGETS)}")
    target, pattern = TARGETS[sys.argv[1]]
    args = [sys.argv[0], *sys.argv[2:]]
    if not any(not a.startswith("-") for a in sys.argv[2:]):
        args.append(seed_corpus(pattern))
    atheris.Setup(args, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
