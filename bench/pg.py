"""A REAL throwaway PostgreSQL server on 127.0.0.1, for the benchmark and the tests alike.

The one implementation: ``python -m bench`` uses it directly, the pytest fixtures in
``tests/plugins/postgres.py`` wrap it (skip or fail when there are no binaries). No pytest here.

``initdb`` into a fresh temporary directory, start on a free port with the unix socket inside
that directory, stop and delete at the end; ``stop()`` / ``start()`` / ``restart()`` in between
keep the port (URLs already handed out stay valid). PostgreSQL refuses to run as root: as root
the server runs as the ``postgres`` system user (else ``nobody``) via ``runuser -u USER --`` (or
``su USER -s /bin/sh -c``). Binaries: ``initdb``/``pg_ctl`` on PATH, else the newest
``/usr/lib/postgresql/*/bin``.
"""
from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

SUPERUSER = "netcds"
START_TIMEOUT_S = 60


class PostgresUnavailable(RuntimeError):
    """No server binaries, no user to run them as, or the server would not start."""


def find_bindir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(os.path.realpath(initdb)).parent
    candidates = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if (Path(p) / "initdb").exists()]

    def version(p: Path) -> tuple[int, ...]:
        try:
            return tuple(int(x) for x in p.parent.name.split("."))
        except ValueError:
            return (0,)

    if not candidates:
        raise PostgresUnavailable(
            "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or under /usr/lib/postgresql/*/bin; "
            "install the Debian package 'postgresql'."
        )
    return max(candidates, key=version)


def run_as() -> str | None:
    """The unprivileged user to run the server as, or None to run as ourselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and neither a 'postgres' nor a 'nobody' user exists")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One server in its own temporary directory. ``settings``: extra ``-c name=value`` options."""

    def __init__(self, bindir: Path, user: str | None, *, settings: dict[str, str] | None = None,
                 prefix: str = "netcds-pg-"):
        self.bindir = bindir
        self.user = user
        self.settings = dict(settings or {})
        self.base = Path(tempfile.mkdtemp(prefix=prefix))
        self.data = self.base / "data"
        self.sockets = self.base / "sockets"
        self.logfile = self.base / "postgres.log"
        self.port = 0
        self.running = False
        self.sockets.mkdir()
        if user is not None:
            entry = pwd.getpwnam(user)
            for p in (self.base, self.sockets):
                os.chown(p, entry.pw_uid, entry.pw_gid)

    # -- process control ---------------------------------------------------

    def _cmd(self, *args: str) -> list[str]:
        if self.user is None:
            return list(args)
        if shutil.which("runuser"):
            return ["runuser", "-u", self.user, "--", *args]
        return ["su", self.user, "-s", "/bin/sh", "-c", shlex.join(args)]

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(self._cmd(*args), cwd=self.base, capture_output=True, text=True, timeout=120)
        if check and proc.returncode != 0:
            raise PostgresUnavailable(
                f"{Path(args[0]).name} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}\n"
                f"{self._log_tail()}"
            )
        return proc

    def _log_tail(self) -> str:
        try:
            return "server log:\n" + "\n".join(self.logfile.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return ""

    def initdb(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")

    def start(self) -> None:
        if self.running:
            return
        last: Exception | None = None
        extra = "".join(f" -c {name}={value}" for name, value in self.settings.items())
        for _ in range(5):
            port = self.port or _free_port()
            options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={self.sockets}{extra}"
            proc = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.logfile),
                             "-w", "-t", str(START_TIMEOUT_S), "-o", options, "start", check=False)
            if proc.returncode == 0:
                self.port = port
                self.running = True
                return
            last = PostgresUnavailable(f"pg_ctl start failed: {proc.stderr.strip()}\n{self._log_tail()}")
            if self.port:          # a restart must keep its port (URLs are already handed out)
                continue
        raise last or PostgresUnavailable("pg_ctl start failed")

    def up(self) -> "PostgresServer":
        """``initdb`` then ``start``: a fresh running server."""
        self.initdb()
        self.start()
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; ``mode="immediate"`` is a crash (no checkpoint; WAL recovery on start)."""
        if not self.running:
            return
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def destroy(self) -> None:
        try:
            self.stop("fast")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    # -- databases ---------------------------------------------------------

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres",
                             autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        name = name or f"t_{uuid.uuid4().hex[:16]}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url_or_name: str) -> None:
        name = url_or_name.rsplit("/", 1)[-1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_server(bindir: Path) -> PostgresServer:
    """The benchmark's server (not started yet: ``up()`` it inside the caller's ``try``/``destroy()``),
    with room for two instances' connection pools."""
    return PostgresServer(bindir, run_as(), settings={"max_connections": "200"}, prefix="netcds-bench-pg-")
