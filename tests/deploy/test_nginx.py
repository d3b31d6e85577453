"""deploy/nginx/nginx.conf, the buffering reverse proxy for production (issue 15, findings 3 and 10).

Its numbers agree with the service's defaults (body limit, timeouts, header sizes and gunicorn's
request limits), every error nginx answers itself is a JSON OperationOutcome, and, where an
``nginx`` binary exists, ``nginx -t`` accepts the file and a running nginx in front of a stub
backend answers an oversized body, a long request line, a long header and an unknown path with
those OperationOutcomes (CORS header for a listed origin), and never passes on a body it has not
received whole.
"""
from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from service.config import Settings
from service.ops.serving_config import (
    KEEPALIVE_SECONDS, LIMIT_REQUEST_FIELD_SIZE, LIMIT_REQUEST_FIELDS, LIMIT_REQUEST_LINE, gunicorn_options,
)
from service.protocol.auth import MAX_TOKEN_CHARS
from tests.deploy.conftest import DEPLOY

CONF = DEPLOY / "nginx" / "nginx.conf"
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
_SIZE = {"": 1, "k": 1024, "K": 1024, "m": 1024**2, "M": 1024**2}


def _text() -> str:
    return CONF.read_text(encoding="utf-8")


def _directive(name: str) -> list[str]:
    """The arguments of every (uncommented) ``name ...;`` line."""
    found = []
    for line in _text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith(name + " "):
            found.append(line[len(name):].strip().rstrip(";").strip())
    assert found, f"{name} is not set in {CONF}"
    return found


def _size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmM]?)", value).groups()
    return int(number) * _SIZE[unit]


def _seconds(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(s?)", value).groups()
    return int(number)


def _defaults():
    settings = Settings.from_env({"NETCDS_AUTH_DISABLED": "true"})
    return settings, gunicorn_options(settings, cpu_count=2, env={})


def test_the_body_limit_is_the_services():
    settings, _ = _defaults()
    assert _size(_directive("client_max_body_size")[0]) == settings.max_body_bytes


def test_slow_clients_are_the_proxys_to_wait_for():
    assert _directive("proxy_request_buffering") == ["on"]
    assert 0 < _seconds(_directive("client_body_timeout")[0]) <= 60
    assert 0 < _seconds(_directive("client_header_timeout")[0]) <= 60
    _, options = _defaults()
    assert _seconds(_directive("keepalive_timeout")[0]) < KEEPALIVE_SECONDS      # nginx closes idle first
    assert all(_seconds(v) == options["timeout"] for v in _directive("proxy_read_timeout"))


def test_header_limits_agree_with_gunicorns():
    _, options = _defaults()
    assert (options["limit_request_line"], options["limit_request_fields"], options["limit_request_field_size"]) == (
        LIMIT_REQUEST_LINE, LIMIT_REQUEST_FIELDS, LIMIT_REQUEST_FIELD_SIZE)
    count, size = _directive("large_client_header_buffers")[0].split()
    # a header line nginx passes fits gunicorn's field limit, and the longest JWT fits nginx's buffer
    assert _size(size) <= LIMIT_REQUEST_FIELD_SIZE
    assert len("Authorization: Bearer ") + MAX_TOKEN_CHARS + 2 <= _size(size)
    # nginx refuses request targets long enough to pass gunicorn's request line limit
    cap = int(re.search(r'\$request_uri ~ "\^\.\{(\d+)\}"', _text()).group(1))
    assert len("OPTIONS ") + cap + len(" HTTP/1.1") <= LIMIT_REQUEST_LINE
    # only the headers the service reads go to gunicorn: fewer than its field count limit
    assert _directive("proxy_pass_request_headers") == ["off", "off"]
    passed = [v for v in _directive("proxy_set_header") if not v.startswith("Connection")]
    assert len(passed) < LIMIT_REQUEST_FIELDS


def test_the_upstream_is_the_services_default_address():
    settings, _ = _defaults()
    assert _directive("server")[0].startswith(f"{settings.host}:{settings.port}")


def test_every_error_nginx_answers_itself_is_an_operation_outcome():
    pages = {code for line in _directive("error_page") for code in line.split()[:-1]}
    assert {"400", "494", "404", "408", "413", "414", "502", "503", "504"} <= pages
    bodies = re.findall(r"location = /_netcds_error/(\d+) \{ return (\d+) '(.*?)'; \}", _text())
    assert {code for code, _, _ in bodies} == {"400", "404", "405", "408", "413", "414", "500", "503"}
    for code, status, body in bodies:
        assert code == status
        outcome = json.loads(body)
        assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["diagnostics"]


@pytest.mark.skipif(NGINX is None, reason="no nginx binary here")
def test_nginx_accepts_the_file():
    result = subprocess.run([NGINX, "-t", "-c", str(CONF)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------- a running nginx (if installed)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Backend(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append((self.command, self.path, len(body), sorted(self.headers.keys())))
        data = b'{"cards": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def proxied(tmp_path):
    if NGINX is None:
        pytest.skip("no nginx binary here")
    handler = type("Backend", (_Backend,), {"seen": []})
    backend = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    port = _free_port()
    tmp_path.chmod(0o755)
    text = (_text()
            .replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{backend.server_address[1]};")
            .replace("listen 8443;", f"listen 127.0.0.1:{port};")
            .replace("pid /run/nginx-net-cds.pid;", f"pid {tmp_path}/nginx.pid;")
            .replace('# "https://sandbox.cds-hooks.org" $http_origin;', '"https://ehr.example.org" $http_origin;')
            .replace("http {", f"http {{\n    client_body_temp_path {tmp_path}/body;\n    proxy_temp_path {tmp_path}/proxy;", 1))
    conf = tmp_path / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    with (tmp_path / "stderr.log").open("wb") as log:
        process = subprocess.Popen([NGINX, "-c", str(conf), "-g", "daemon off;"], stderr=log)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", handler.seen
    finally:
        process.terminate()
        process.wait(timeout=10)
        backend.shutdown()
        backend.server_close()


def _outcome(response, status):
    assert response.status_code == status, response.text[:200]
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["resourceType"] == "OperationOutcome"


def test_running_nginx_answers_its_own_errors_with_outcomes(proxied):
    base, seen = proxied
    origin = {"Origin": "https://ehr.example.org"}
    ok = requests.post(f"{base}/cds-services/net-treatment", data=b"{}", timeout=10,
                       headers={"Content-Type": "application/json", "X-Junk": "x", **origin})
    assert ok.status_code == 200 and seen[-1][:3] == ("POST", "/cds-services/net-treatment", 2)
    assert "X-Junk" not in seen[-1][3] and "Origin" in seen[-1][3]          # only the headers the service reads

    too_big = requests.post(f"{base}/cds-services/net-treatment", data=b" " * 10_000_001, timeout=30,
                            headers={"Content-Type": "application/json", **origin})
    _outcome(too_big, 413)
    assert too_big.headers.get("Access-Control-Allow-Origin") == "https://ehr.example.org"
    _outcome(requests.get(f"{base}/cds-services?x={'a' * 9000}", timeout=10), 414)     # over gunicorn's line
    _outcome(requests.get(f"{base}/cds-services?x={'a' * 30000}", timeout=10), 414)    # over nginx's buffer
    _outcome(requests.get(f"{base}/cds-services", headers={"X-Big": "b" * 30_000}, timeout=10), 400)
    _outcome(requests.get(f"{base}/metrics", timeout=10), 404)
    unlisted = requests.get(f"{base}/metrics", headers={"Origin": "https://evil.example"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in unlisted.headers
    assert len(seen) == 1, "none of these reached the service"


def test_running_nginx_never_passes_on_a_body_it_has_not_received(proxied):
    base, seen = proxied
    host, port = base.rsplit("/", 1)[-1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /cds-services/net-treatment HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{")
        time.sleep(1.0)
        assert seen == [], "the backend saw a request whose body had not arrived"
        sock.sendall(b" " * 998 + b"}")
        assert sock.recv(1024).startswith(b"HTTP/1.1 200")
    assert seen[0][2] == 1000
