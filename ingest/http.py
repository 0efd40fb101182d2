"""The only place that builds an HTTP client, and the one way sources fetch.

Why a wrapper: every source must be polite and robust in the same way — explicit timeouts so a stalled
server cannot hold a run, a size cap checked while streaming (on decoded bytes, so a gzip bomb is
caught), a redirect limit, only http(s), a clear User-Agent, and retries with backoff on 429/5xx that
honour `Retry-After`.
"""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from ingest.errors import FetchError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class HttpSettings:
    user_agent: str = "Tillit/0.1 (social-services disinformation monitor)"
    timeout: float = 20.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    retries: int = 3
    backoff: float = 1.0
    max_retry_after: float = 60.0
    # Outbound safety: private, loopback, link-local and reserved addresses are refused unless
    # allowed (tests allow loopback; an intranet feed needs it set in [ingest] allow_private).
    allow_private: bool = False


@dataclass(frozen=True)
class Response:
    """A fully read, size-checked response."""

    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return httpx.Response(self.status, headers=dict(self.headers), content=self.content).text


def check_public(url: str, allow_private: bool = False) -> None:
    """Refuse URLs whose host resolves to a non-public address (SSRF: a feed or a redirect must not
    make Tillit call the machine's own services or the local network).

    Checked on every request, redirects included (an httpx request hook). The address is resolved
    here and again by the connection, so a DNS answer that changes in between (rebinding) is not
    fully covered; run Tillit where its outbound traffic is also limited by the network.
    """
    if allow_private:
        return
    host = urlsplit(url).hostname
    if not host:
        raise FetchError(f"refusing {url!r}: no host")
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise FetchError(f"{url}: cannot resolve {host} ({exc.strerror})") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise FetchError(
                f"refusing {url}: {host} is a private or local address ({address}); set "
                "[ingest] allow_private = true only if this source is meant to be internal"
            )


def build_client(settings: HttpSettings | None = None) -> httpx.Client:
    settings = settings or HttpSettings()

    def guard(request: httpx.Request) -> None:
        check_url(str(request.url))
        check_public(str(request.url), settings.allow_private)

    client = httpx.Client(
        timeout=httpx.Timeout(settings.timeout, connect=min(settings.timeout, 10.0)),
        limits=httpx.Limits(max_connections=8, max_keepalive_connections=4),
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        headers={"User-Agent": settings.user_agent},
        event_hooks={"request": [guard]},
    )
    client.tillit_settings = settings  # type: ignore[attr-defined]
    return client


def _settings(client: httpx.Client) -> HttpSettings:
    return getattr(client, "tillit_settings", HttpSettings())


def check_url(url: str) -> str:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"refusing {url!r}: only http and https URLs are fetched")
    return url


def _retry_after(value: str | None, default: float) -> float:
    if not value:
        return default
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def fetch(
    client: httpx.Client,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, object] | None = None,
    method: str = "GET",
    json: object = None,
    data: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    ok_statuses: tuple[int, ...] = (200,),
) -> Response:
    """Fetch `url` with retries and the size cap; raise FetchError on anything else than ok_statuses."""
    settings = _settings(client)
    check_url(url)
    attempt = 0
    while True:
        try:
            response = _read(
                client, method, url, headers, params, json, settings.max_bytes, data, auth
            )
        except httpx.TooManyRedirects as exc:
            raise FetchError(f"{url}: more than {settings.max_redirects} redirects") from exc
        except httpx.TimeoutException as exc:
            if attempt >= settings.retries:
                raise FetchError(f"{url}: timed out after {settings.timeout:.0f} s") from exc
            response = None
        except httpx.HTTPError as exc:
            if attempt >= settings.retries:
                raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
            response = None
        if response is not None and response.status not in RETRY_STATUSES:
            if response.status not in ok_statuses:
                raise FetchError(f"{url}: HTTP {response.status}")
            return response
        if attempt >= settings.retries:
            status = response.status if response is not None else "error"
            raise FetchError(f"{url}: HTTP {status} after {attempt + 1} attempts")
        delay = settings.backoff * (2**attempt)
        if response is not None:
            delay = _retry_after(response.headers.get("retry-after"), delay)
        if delay > settings.max_retry_after:
            raise FetchError(f"{url}: server asks to retry after {delay:.0f} s; trying next run")
        time.sleep(delay)
        attempt += 1


def _read(client, method, url, headers, params, json, max_bytes, data=None, auth=None) -> Response:
    with client.stream(
        method, url, headers=headers, params=params, json=json, data=data, auth=auth
    ) as response:
        check_url(str(response.url))
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"{url}: response of {declared} bytes exceeds the {max_bytes} cap")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"{url}: response exceeds the {max_bytes}-byte cap")
            chunks.append(chunk)
        return Response(
            url=str(response.url),
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            content=b"".join(chunks),
        )
