"""The CDS Hooks Sandbox (github.com/cds-hooks/sandbox, Apache-2.0) built and served locally.

Development and test only; the service never imports this. The Sandbox's source is not part of
this repository: it is looked for in ``$CDS_SANDBOX_DIR`` or beside the repository at
``../shared/cds-hooks-sandbox``. :func:`ensure_build` runs ``npm ci`` and ``npm run build`` in a
copy of it (everything comes from the npm registry) and caches the static site under
``.netcds/sandbox/<content key>/build`` with the Sandbox's LICENSE and NOTICE, keyed by a digest
of the source, so a second run costs nothing. :class:`StaticSite` serves a folder on loopback
from a thread.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import http.server
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

from service.demo.fhir_server import PROJECT_ROOT, STATE_DIR

ENV_VAR = "CDS_SANDBOX_DIR"
DEFAULT_SOURCE = PROJECT_ROOT.parent / "shared" / "cds-hooks-sandbox"
CACHE_DIR = STATE_DIR / "sandbox"
_SKIP = {"node_modules", "build", ".git"}
HOW_TO_GET = (
    "the CDS Hooks Sandbox source was not found: put a checkout of github.com/cds-hooks/sandbox at "
    f"../shared/cds-hooks-sandbox (beside this repository) or set {ENV_VAR}=/path/to/sandbox "
    "(it needs Node >= 18 and npm, and reaches the npm registry once to build)"
)


class SandboxError(RuntimeError):
    """The Sandbox could not be found or built."""


def find_source(environ: dict[str, str] | None = None) -> Path | None:
    """The Sandbox source folder (``$CDS_SANDBOX_DIR``, else ``../shared/cds-hooks-sandbox``), or None."""
    env = os.environ if environ is None else environ
    explicit = env.get(ENV_VAR, "").strip()
    candidate = Path(explicit).expanduser() if explicit else DEFAULT_SOURCE
    if (candidate / "package.json").is_file() and (candidate / "package-lock.json").is_file():
        return candidate.resolve()
    return None


def content_key(source: Path) -> str:
    """A digest of every file of the snapshot (names and bytes; ``node_modules``/``build`` ignored)."""
    digest = hashlib.sha256()
    for path in sorted(_files(source)):
        rel = path.relative_to(source).as_posix()
        digest.update(rel.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _files(source: Path):
    for root, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP)
        for name in files:
            yield Path(root) / name


def ensure_build(source: Path, *, cache_dir: Path = CACHE_DIR, log: Callable[[str], None] = print) -> Path:
    """The built static site of ``source`` (``index.html``, ``app.bundle.js``), building it once."""
    key = content_key(source)
    target = cache_dir / key / "build"
    if (target / "index.html").is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)        # two test sessions build once
        if (target / "index.html").is_file():
            return target
        work = cache_dir / f"{key}.work"
        shutil.rmtree(work, ignore_errors=True)
        log(f"Building the CDS Hooks Sandbox ({source}) into {target} (one-time, about a minute) ...")
        shutil.copytree(source, work, ignore=shutil.ignore_patterns(*_SKIP), copy_function=shutil.copyfile)
        _make_writable(work)        # a read-only source (CI's copy has no write bits) copies read-only
        env = dict(os.environ, npm_config_fund="false", npm_config_audit="false",
                   npm_config_update_notifier="false", npm_config_loglevel="error",
                   PUPPETEER_SKIP_DOWNLOAD="1", CI="true")
        for command in (["npm", "ci", "--no-progress"], ["npm", "run", "build", "--", "--no-color"]):
            try:
                done = subprocess.run(command, cwd=work, env=env, stdin=subprocess.DEVNULL,
                                      capture_output=True, text=True, timeout=900)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise SandboxError(f"`{' '.join(command)}` could not run: {exc}") from None
            if done.returncode != 0:
                tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
                raise SandboxError(f"`{' '.join(command)}` failed (exit {done.returncode}):\n{tail}")
        built = work / "build"
        if not (built / "index.html").is_file():
            raise SandboxError("the Sandbox build produced no build/index.html")
        for notice in ("LICENSE", "NOTICE"):
            if (source / notice).is_file():
                shutil.copyfile(source / notice, built / notice)
        shutil.rmtree(target.parent, ignore_errors=True)
        target.parent.mkdir(parents=True)
        os.replace(built, target)
        shutil.rmtree(work, ignore_errors=True)
    return target


def _make_writable(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".json": "application/json", ".css": "text/css"}

    def log_message(self, format, *args):   # noqa: A002 - the base class's name
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class StaticSite:
    """A folder served read-only on ``127.0.0.1:port`` (0 = a free port) from a daemon thread."""

    def __init__(self, directory: Path, *, port: int = 0):
        self.directory = Path(directory)
        handler = partial(QuietHandler, directory=str(self.directory))
        try:
            self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError as exc:
            raise SandboxError(f"cannot serve the Sandbox on 127.0.0.1:{port}: {exc.strerror or exc}") from None
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-static", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "StaticSite":
        self._thread.start()
        return self

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "StaticSite":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
