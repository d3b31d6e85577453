"""A throwaway PostgreSQL server on 127.0.0.1 (as tests/plugins/postgres.py, without pytest).

``initdb`` into a temporary directory, start on a free port with its unix socket inside that
directory, ``stop()`` + delete at the end. As root the server runs as ``postgres`` (else
``nobody``) through ``runuser``, since PostgreSQL refuses to run as root.
"""
from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.net import free_port

SUPERUSER = "netcds"


class PostgresError(RuntimeError):
    pass


class Postgres:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.user = self._run_as()
        self.base = Path(tempfile.mkdtemp(prefix="netcds-bench-pg-"))
        self.data = self.base / "data"
        self.sockets = self.base / "sockets"
        self.logfile = self.base / "postgres.log"
        self.port = 0
        self.sockets.mkdir()
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            for p in (self.base, self.sockets):
                os.chown(p, entry.pw_uid, entry.pw_gid)

    @staticmethod
    def _run_as() -> str | None:
        if os.geteuid() != 0:
            return None
        for name in ("postgres", "nobody"):
            try:
                pwd.getpwnam(name)
                return name
            except KeyError:
                continue
        raise PostgresError("running as root and neither a 'postgres' nor a 'nobody' user exists")

    def _cmd(self, *args: str) -> list[str]:
        if self.user is None:
            return list(args)
        if shutil.which("runuser"):
            return ["runuser", "-u", self.user, "--", *args]
        return ["su", self.user, "-s", "/bin/sh", "-c", shlex.join(args)]

    def _run(self, *args: str) -> None:
        proc = subprocess.run(self._cmd(*args), cwd=self.base, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            tail = ""
            if self.logfile.exists():
                tail = "\n".join(self.logfile.read_text(errors="replace").splitlines()[-15:])
            raise PostgresError(f"{Path(args[0]).name} failed: {proc.stderr.strip() or proc.stdout.strip()}\n{tail}")

    def start(self) -> "Postgres":
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        self.port = free_port()
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.sockets} "
                   f"-c max_connections=200")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.logfile), "-w", "-t", "60",
                  "-o", options, "start")
        return self

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres",
                             autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{name}"

    def destroy(self) -> None:
        try:
            if self.port:
                subprocess.run(self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                                         "stop"), cwd=self.base, capture_output=True, timeout=60)
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
