"""Behaviour only a real server shows: what a 500 does to the connection, and an oversized request head."""

import socket
import sys

import httpx
import pytest

from tests.ports import free_port
from tests.servers import running


def uvicorn(app: str, port: int) -> list[str]:
    """uvicorn as ``inventory serve`` configures it (the head-limiting protocol)."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--port",
        str(port),
        "--http",
        "app.core.limits:LimitedHttpToolsProtocol",
        "--log-level",
        "warning",
    ]


@pytest.fixture(scope="module")
def server(database_url):
    port = free_port()
    with running(uvicorn("tests.failing_app:create_failing_app", port), {}, port) as base:
        yield base


def test_a_500_says_connection_close_and_the_next_request_succeeds(server):
    with httpx.Client(base_url=server) as http:
        assert http.get("/health/live").status_code == 200
        failed = http.get("/test-only/fail")
        assert failed.status_code == 500
        assert failed.headers["connection"] == "close"
        assert failed.headers["content-type"] == "application/problem+json"
        assert failed.json()["type"] == "/problems/internal-error"
        # The client's next request, on the connection it keeps, succeeds.
        for _ in range(3):
            assert http.get("/health/live").status_code == 200


def test_after_a_500_the_server_closes_the_connection_cleanly(server):
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"GET /test-only/fail HTTP/1.1\r\nHost: t\r\n\r\n")
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head = received.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 500")
    assert b"connection: close" in head


def test_an_oversized_header_is_refused_while_it_arrives(server):
    host, port = server.removeprefix("http://").split(":")
    chunk, sent = b"a" * 65536, 0
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"GET /health/live HTTP/1.1\r\nHost: t\r\nX-Big: ")
        try:
            while sent < 50 * 1024 * 1024:
                connection.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        received = b""
        try:
            while part := connection.recv(65536):
                received += part
        except ConnectionResetError:
            pass
    assert sent < 50 * 1024 * 1024  # refused long before the whole 50 MB arrived
    assert received.startswith(b"HTTP/1.1 431"), received[:200]
    assert b"application/problem+json" in received
    assert httpx.get(f"{server}/health/live").status_code == 200


async def test_every_500_of_the_api_says_connection_close(client, monkeypatch):
    from app.sites import service

    async def broken(*args, **kwargs):
        raise RuntimeError("forced failure for a test")

    monkeypatch.setattr(service, "list_sites", broken)
    response = await client.get("/api/v1/sites")
    assert response.status_code == 500
    assert response.headers["connection"] == "close"
    assert response.json()["type"] == "/problems/internal-error"
    assert "x-request-id" in response.headers
