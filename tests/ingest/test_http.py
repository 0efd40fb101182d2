"""The one HTTP helper: size caps while streaming, retries honouring Retry-After, timeouts, redirects."""

from __future__ import annotations

import gzip
import time

import pytest

from ingest import HttpSettings, build_client
from ingest.errors import FetchError
from ingest.http import check_public, fetch

from .conftest import Reply


def test_a_body_over_the_cap_is_refused_while_streaming(server, client):
    url = server.route("/big", Reply(body=b"x" * 3_000_000, unsized=True))
    with pytest.raises(FetchError, match="cap"):
        fetch(client, url)


def test_a_declared_length_over_the_cap_is_refused_before_reading(server, client):
    url = server.route("/declared", Reply(body=b"x" * 2_100_000))
    with pytest.raises(FetchError, match="exceeds the 2000000"):
        fetch(client, url)


def test_a_gzip_bomb_is_caught_on_the_decompressed_size(server, client):
    bomb = gzip.compress(b"\0" * 50_000_000)  # ~50 kB on the wire, 50 MB unpacked
    url = server.route("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    with pytest.raises(FetchError, match="cap"):
        fetch(client, url)


def test_503_with_retry_after_is_retried_then_succeeds(server, client):
    calls = []

    def flaky(seen):
        calls.append(time.monotonic())
        if len(calls) == 1:
            return Reply(503, b"busy", {"Retry-After": "1"})
        return Reply(200, b"ok")

    url = server.route("/flaky", flaky)
    assert fetch(client, url).content == b"ok"
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.9  # waited as asked


def test_404_is_not_retried_and_names_the_status(server, client):
    url = server.route("/gone", Reply(404, b"no"))
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(client, url)
    assert len(server.seen("/gone")) == 1


def test_only_http_urls_are_fetched(client):
    for url in ("file:///etc/passwd", "ftp://example.org/x", "javascript:alert(1)"):
        with pytest.raises(FetchError, match="only http and https"):
            fetch(client, url)


def test_a_redirect_loop_stops_at_the_limit(server, client):
    url = server.route("/loop", Reply(302, b"", {"Location": "/loop"}))
    with pytest.raises(FetchError, match="redirects"):
        fetch(client, url)


def test_a_stalled_server_times_out_within_the_read_timeout(server):
    url = server.route("/stall", Reply(body=b"late", delay=30))
    start = time.monotonic()
    with (
        build_client(
            HttpSettings(timeout=1.0, retries=1, backoff=0.01, allow_private=True)
        ) as quick,
        pytest.raises(FetchError, match="timed out"),
    ):
        fetch(quick, url)
    assert time.monotonic() - start < 10


def test_every_request_carries_the_user_agent(server):
    url = server.route("/ua", Reply(body=b"ok"))
    with build_client(HttpSettings(user_agent="Tillit-test/1", allow_private=True)) as http:
        fetch(http, url)
    assert server.seen("/ua")[0].headers["user-agent"] == "Tillit-test/1"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/admin",
        "http://localhost/",
        "http://10.0.0.8/internal",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
    ],
)
def test_private_and_local_addresses_are_refused_by_default(url):
    with (
        build_client(HttpSettings(retries=0)) as strict,
        pytest.raises(FetchError, match="private"),
    ):
        fetch(strict, url)


def test_a_redirect_to_a_private_address_is_refused(server):
    """The check runs on every request, so a public page cannot bounce Tillit to the local network.
    Here the first hop is loopback too, so the guard is switched on per request by host name."""
    url = server.route("/hop", Reply(302, b"", {"Location": "http://169.254.169.254/meta"}))
    seen = []

    def only_metadata(request):
        seen.append(str(request.url))

    with build_client(HttpSettings(retries=0, allow_private=True)) as http:
        http.event_hooks["request"].append(only_metadata)
        http.event_hooks["request"].append(
            lambda r: check_public(str(r.url)) if r.url.host == "169.254.169.254" else None
        )
        with pytest.raises(FetchError, match="private or local"):
            fetch(http, url)
    assert seen[-1].startswith("http://169.254.169.254")
