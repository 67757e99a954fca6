"""Safe media download shared by the chat connectors: provider hosts only, pinned IPs, limits."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx

from connectors.contract import AuthFailed, TemporarilyUnavailable

Resolver = Callable[[str, int], list[str]]

#: Photo types the normalizers can read (normalizers/photos.py strips EXIF from these).
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"})


class MediaRefused(ValueError):
    """A media URL or response we will not fetch or keep (host, address, size or type)."""


@dataclass(frozen=True)
class MediaPolicy:
    """Where media may come from and what may come back."""

    # "api.twilio.com" exact, ".twiliocdn.com" any subdomain, both on the scheme's default port
    # only; "127.0.0.1:8123" (see origin_entry) that port only. The same for the two below.
    allowed_hosts: tuple[str, ...]
    max_bytes: int = 5_000_000
    content_types: frozenset[str] = IMAGE_TYPES
    # Hosts an operator configured explicitly (provider base URLs, e.g. a regional edge or a
    # local fake provider): allowed, and exempt from the private-address rule.
    trusted_hosts: tuple[str, ...] = ()
    # Credentials go only to these hosts, and never to a redirect target (its URL is signed).
    credential_hosts: tuple[str, ...] = ()
    max_redirects: int = 3
    timeout_s: float = 20.0
    auth: tuple[str, str] | None = field(default=None, repr=False)


def host_matches(host: str, patterns: tuple[str, ...]) -> bool:
    """True if host equals a pattern, or ends with a pattern that starts with a dot."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.lower()
        if host == pattern.lstrip(".") or (pattern.startswith(".") and host.endswith(pattern)):
            return True
    return False


#: RFC 3986 section 3.2.3: a URL without a port means its scheme's default port.
DEFAULT_PORTS = {"https": 443, "http": 80}


def split_entry(entry: str) -> tuple[str, int | None]:
    """'host' -> ('host', None); 'host:8443' -> ('host', 8443); '[::1]:8443' -> ('::1', 8443)."""
    if entry.startswith("["):  # RFC 3986 section 3.2.2: an IPv6 literal is bracketed
        address, _, rest = entry[1:].partition("]")
        return address, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    host, colon, port = entry.rpartition(":")
    if colon and port.isdigit() and ":" not in host:
        return host, int(port)
    return entry, None


def url_matches(url: httpx.URL, patterns: tuple[str, ...]) -> bool:
    """True if url's host matches an entry on its port: the given one, else the scheme default.

    A bare "api.example.com" is trusted on 443 (https) or 80 (http) only, so a provider host
    does not vouch for whatever else listens on it (an admin port, a debug server).
    """
    port = url.port or DEFAULT_PORTS.get(url.scheme)
    for entry in patterns:
        host, entry_port = split_entry(entry)
        wanted = entry_port if entry_port is not None else DEFAULT_PORTS.get(url.scheme)
        if port == wanted and host_matches(url.host, (host,)):
            return True
    return False


def origin_entry(base_url: str) -> str:
    """The allow-list entry for a configured base URL: 'host', or 'host:port' off the default."""
    url = httpx.URL(base_url)
    host = f"[{url.host}]" if ":" in url.host else url.host
    port = url.port
    return host if port in (None, DEFAULT_PORTS.get(url.scheme)) else f"{host}:{port}"


def public_address(ip: str) -> bool:
    """True for a globally routable address (not loopback, private, link-local, reserved ...)."""
    addr = ipaddress.ip_address(ip)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return addr.is_global and not addr.is_multicast


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses the system resolver gives for host."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def pick_address(host: str, port: int, *, trusted: bool, resolver: Resolver) -> str:
    """Resolve host once; refuse if any address is internal (unless the host is trusted)."""
    try:
        addresses = resolver(host, port)
    except OSError as exc:
        raise TemporarilyUnavailable(f"cannot resolve media host: {exc}") from exc
    if not addresses:
        raise TemporarilyUnavailable("media host has no address")
    # Every address must be public: a name that also resolves inside is a rebinding attempt.
    if not trusted and not all(public_address(a) for a in addresses):
        raise MediaRefused("media host resolves to an internal address")
    # IPv4 first: many hosts (and CI runners) resolve AAAA records they cannot route.
    return sorted(addresses, key=lambda a: ":" in a)[0]


def check_url(url: httpx.URL, policy: MediaPolicy) -> bool:
    """Refuse URLs outside the policy; return True when the host is operator-trusted."""
    trusted = url_matches(url, policy.trusted_hosts)
    if url.scheme != "https" and not (trusted and url.scheme == "http"):
        raise MediaRefused("media URL must use https")
    if url.userinfo:
        raise MediaRefused("media URL must not carry credentials")
    if not trusted and not url_matches(url, policy.allowed_hosts):
        raise MediaRefused("media host is not a provider host")
    return trusted


def base_type(content_type: str) -> str:
    """'image/jpeg; charset=x' -> 'image/jpeg'."""
    return content_type.split(";", 1)[0].strip().lower()


def _raise_for_status(resp: httpx.Response) -> None:
    if resp.status_code in (401, 403):
        raise AuthFailed(f"media download refused: HTTP {resp.status_code}")
    if resp.status_code == 429 or resp.status_code >= 500:
        raise TemporarilyUnavailable(
            f"media download: HTTP {resp.status_code}",
            retry_after=retry_after_seconds(resp.headers),
        )
    if resp.status_code >= 400:
        raise MediaRefused(f"media download: HTTP {resp.status_code}")


def retry_after_seconds(headers: httpx.Headers | dict[str, str]) -> float | None:
    """Retry-After as seconds (RFC 9110 section 10.2.3: delta-seconds; dates are ignored)."""
    value = headers.get("retry-after") or headers.get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def _read_limited(resp: httpx.Response, policy: MediaPolicy) -> tuple[bytes, str]:
    content_type = base_type(resp.headers.get("content-type", ""))
    if content_type not in policy.content_types:
        raise MediaRefused(f"media type not accepted: {content_type or 'unknown'}")
    declared = resp.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise MediaRefused(f"media larger than {policy.max_bytes} bytes")
    chunks, total = [], 0
    for chunk in resp.iter_bytes():
        total += len(chunk)
        if total > policy.max_bytes:  # a lying or absent Content-Length still stops here
            raise MediaRefused(f"media larger than {policy.max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks), content_type


def fetch_media(
    url: str,
    policy: MediaPolicy,
    *,
    client: httpx.Client | None = None,
    resolver: Resolver = system_resolver,
) -> tuple[bytes, str]:
    """Download one media file under the policy; returns (bytes, content_type)."""
    own = client is None
    client = client or httpx.Client(timeout=policy.timeout_s, follow_redirects=False)
    try:
        return _fetch(httpx.URL(url), policy, client, resolver)
    except httpx.TransportError as exc:
        raise TemporarilyUnavailable(f"media download failed: {type(exc).__name__}") from exc
    finally:
        if own:
            client.close()


def _fetch(
    url: httpx.URL, policy: MediaPolicy, client: httpx.Client, resolver: Resolver
) -> tuple[bytes, str]:
    for hop in range(policy.max_redirects + 1):
        trusted = check_url(url, policy)
        port = url.port or (443 if url.scheme == "https" else 80)
        ip = pick_address(url.host, port, trusted=trusted, resolver=resolver)
        # Connect to the address we checked, not to a second DNS answer (DNS rebinding); TLS
        # still verifies the certificate against the real name through the SNI extension.
        pinned = url.copy_with(host=ip)
        # Credentials only on the first hop: a redirect target (a signed CDN URL) never gets them.
        auth = policy.auth if hop == 0 and url_matches(url, policy.credential_hosts) else None
        headers = {"Host": url.netloc.decode("ascii")}
        extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
        request = client.build_request("GET", pinned, headers=headers, extensions=extensions)
        resp = client.send(request, stream=True, auth=httpx.BasicAuth(*auth) if auth else None)
        try:
            if resp.is_redirect:
                location = resp.headers.get("location", "")
                url = httpx.URL(urljoin(str(url), location))
                continue
            _raise_for_status(resp)
            return _read_limited(resp, policy)
        finally:
            resp.close()
    raise MediaRefused("too many redirects")
