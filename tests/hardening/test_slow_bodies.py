"""Announced bodies that never come do not stall the service (issue 15, finding 3).

A request answered without reading its body (``/healthz``, a 401, a 404) used to drain the body
with no time limit: thirty idle connections that announced ``Content-Length`` and sent nothing
held every worker thread, and hook calls stopped. Now only bytes that have already arrived are
drained (bounded in bytes and time); otherwise the answer goes out with ``Connection: close`` and
the socket is closed. Against the production server (``python -m service``, gunicorn gthread).
"""
from __future__ import annotations

import json
import socket
import time

import pytest
import requests

from tests.plugins.app import HOOK_PATH, fixture_hook_request

IDLE_CONNECTIONS = 30


def _announce_and_stall(port: int, method: str, path: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall((f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                  f"Content-Length: 100000\r\n\r\n").encode())           # ... and never a byte of the body
    return sock


def _status_of(sock: socket.socket) -> tuple[int | None, bytes]:
    """The status of the answer on ``sock`` and what followed (b"" once the server closed)."""
    sock.settimeout(15)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head = data.split(b"\r\n", 1)[0].split()
        status = int(head[1]) if len(head) > 1 else None
        rest = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return status, rest
            rest += chunk
    except (socket.timeout, ConnectionResetError):
        return (int(data.split()[1]) if data.startswith(b"HTTP/") else None), b"<still open>"


@pytest.mark.slow
def test_idle_announced_bodies_do_not_stop_a_concurrent_hook_call(live_server_factory):
    server = live_server_factory(NETCDS_WORKERS="1", NETCDS_THREADS="2")        # the smallest pool: 2 threads
    stalled = []
    try:
        for i in range(IDLE_CONNECTIONS):
            method, path = [("GET", "/healthz"), ("POST", HOOK_PATH), ("POST", "/cds-services/no-such")][i % 3]
            stalled.append(_announce_and_stall(server.port, method, path))
        time.sleep(0.5)                                  # every stalled request has reached a thread by now

        body = json.dumps(fixture_hook_request("net-05")).encode()
        try:
            response = requests.post(server.url(HOOK_PATH), data=body, timeout=60,
                                     headers={"Content-Type": "application/json", **server.auth(HOOK_PATH)})
        except requests.Timeout:
            pytest.fail("the hook call did not complete; server log:\n" + server.log_text()[-4000:])
        assert response.status_code == 200 and "cards" in response.json()

        # each stalled request was answered (healthz 200, hook without token 401, unknown path 401/404)
        # and its connection closed rather than held open waiting for the body
        answers = [_status_of(sock) for sock in stalled[:6]]
        assert [status for status, _ in answers] == [200, 401, 401, 200, 401, 401], answers
        assert all(rest != b"<still open>" for _, rest in answers)
    finally:
        for sock in stalled:
            sock.close()


def test_a_body_that_has_arrived_is_drained_and_the_connection_kept(app_factory):
    """In process the body is in memory: drained, no Connection: close (keep-alive behind nginx)."""
    client = app_factory(NETCDS_AUTH_DISABLED="true").test_client()
    response = client.get("/healthz", data=b"x" * 1000, headers={"Content-Type": "application/json"})
    assert response.status_code == 200 and "Connection" not in response.headers
    response = client.get("/healthz", data=b"x" * 2_000_000, headers={"Content-Type": "application/json"})
    assert response.status_code == 200 and response.headers.get("Connection") == "close"   # too much to read for nothing
    # a hook call's body of the same size was read by the view: the connection is kept
    body = fixture_hook_request("net-05")
    body["extension"] = {"pad": "x" * 2_000_000}
    response = client.post(HOOK_PATH, json=body)
    assert response.status_code == 200 and "Connection" not in response.headers
