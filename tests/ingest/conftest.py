"""A loopback HTTP server that replays recorded responses, and a temp store, for ingest tests.

Tests register routes (path, optionally with query string) with a status, headers and body — usually
a fixture file recorded from the real service — and can read back every request the server saw.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ingest import HttpSettings, build_client
from store import Store, queries

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the body (a stalling server)
    unsized: bool = False  # no Content-Length: the body ends when the connection closes


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ReplayServer:
    def __init__(self) -> None:
        self.routes: dict[str, Reply | Callable[[Seen], Reply]] = {}
        self.requests: list[Seen] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A client that hangs up on purpose (size cap, timeout) is not an error worth printing.
        self._server.handle_error = lambda request, address: None
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def route(self, path: str, reply: Reply | Callable[[Seen], Reply]) -> str:
        self.routes[path] = reply
        return self.url + path

    def seen(self, path: str) -> list[Seen]:
        return [r for r in self.requests if urlsplit(r.path).path == urlsplit(path).path]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                server.requests.append(seen)
                reply = server.routes.get(self.path) or server.routes.get(urlsplit(self.path).path)
                if reply is None:
                    reply = Reply(404, b"not found")
                elif callable(reply):
                    reply = reply(seen)
                self.send_response(reply.status)
                headers = {k.lower(): v for k, v in reply.headers.items()}
                for key, value in headers.items():
                    self.send_header(key, value)
                if reply.unsized:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                elif "content-length" not in headers:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.delay:
                    time.sleep(reply.delay)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(reply.body)  # the client may have hung up (size cap)

            do_GET = do_POST = do_HEAD = _serve

            def log_message(self, *args) -> None:
                pass

        return Handler

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def server():
    with ReplayServer() as replay:
        yield replay


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(tmp_path / "ingest.duckdb", author_salt=b"test")
    queries.init(store)
    return store


@pytest.fixture
def client():
    """A client with short timeouts and fast retries, so failure tests finish quickly."""
    with build_client(
        HttpSettings(timeout=2.0, retries=2, backoff=0.05, max_bytes=2_000_000, allow_private=True)
    ) as http:
        yield http


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
