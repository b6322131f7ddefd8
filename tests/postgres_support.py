"""A throwaway PostgreSQL server for tests, from Debian's ``postgresql`` package.

``initdb`` makes a cluster in a temporary folder and ``pg_ctl`` runs it, listening only on a unix
socket in that folder (no port to collide with another test run). PostgreSQL refuses to run as root,
and CI runs as root: then the cluster belongs to, and runs as, the ``postgres`` user the package
creates (``nobody`` without it), through ``runuser``. Its folder is made in /tmp (not pytest's own
temporary folder, which only root may enter) and handed to that user.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

SUPERUSER = "hcsp"
DATABASE = "hcsp"  # made at start; each test has its own schema in it


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl are: ``pg_config --bindir`` (which on Debian names /usr/bin, without
    them, when only libpq-dev is installed), else the newest /usr/lib/postgresql/<version>/bin."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        if found.returncode == 0:
            candidates.append(Path(found.stdout.strip()))
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(
        versions, key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0, reverse=True
    )
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def unprivileged_user() -> str | None:
    """The user to run the server as when the tests run as root; None when they do not."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError(
        "Running as root, and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL."
    )


class PostgresCluster:
    """One PostgreSQL server in a temporary folder; ``database()`` gives each test a fresh database."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.run_as = unprivileged_user()
        # Short: a unix socket's path may be at most 107 bytes.
        self.folder = Path(tempfile.mkdtemp(prefix="hcsp-pg-", dir="/tmp"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self._names = itertools.count(1)
        if self.run_as is not None:
            entry = pwd.getpwnam(self.run_as)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", self.run_as, "--"] if self.run_as else []
        done = subprocess.run(
            [*prefix, *command], cwd=self.folder, capture_output=True, text=True, check=False, timeout=120
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{self.server_log()}"
            )
        return done

    def server_log(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def init(self) -> None:
        # Trust on the socket alone: the folder is readable only by its owner (and root).
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def start(self, durable: bool = False) -> None:
        """Start the server. Not ``durable`` (for tests): fsync off, as a test server need not survive
        the machine crashing, only its own processes (an immediate stop loses nothing committed: the
        WAL is in the operating system's cache). ``durable`` (for figures): PostgreSQL's defaults."""
        options = f"-c listen_addresses='' -c unix_socket_directories='{self.folder}' -c max_connections=200"
        if not durable:
            options += " -c fsync=off -c full_page_writes=off"
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; ``immediate`` ends it as a crash would, without a checkpoint."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://{SUPERUSER}@/{database}?host={self.folder}"

    def execute(self, statement: str, params: tuple = (), url: str | None = None) -> list[tuple]:
        """Run one statement (as the superuser, on ``url`` or the test database) and fetch its rows."""
        with psycopg.connect(url or self.url(), autocommit=True) as connection:
            cursor = connection.execute(statement, params or None)
            return cursor.fetchall() if cursor.description else []

    def fresh_url(self) -> str:
        """The URL of a new empty schema, first on the search path: what a new database would be to
        the app, made in milliseconds where a database takes a second or two (its checkpoint)."""
        name = f"test_{next(self._names)}"
        self.execute(f'CREATE SCHEMA "{name}"')
        return f"{self.url()}&options={quote(f'-c search_path={name}')}"

    def drop(self, url: str) -> None:
        self.execute(f'DROP SCHEMA IF EXISTS "{schema_name(url)}" CASCADE')

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-m",
                "immediate",
                "-w",
                "stop",
                check=False,
            )
        shutil.rmtree(self.folder, ignore_errors=True)


def schema_name(url: str) -> str:
    """The schema a ``fresh_url`` puts first on the search path."""
    return conninfo_to_dict(url)["options"].split("search_path=")[1].split()[0]


def with_params(url: str, **params: str) -> str:
    """``url`` connecting with other parameters (host, user) and everything else the same."""
    return make_conninfo(url, **params)


class CommitCutter:
    """A proxy in front of the server that, when armed, lets a COMMIT through and then cuts the client's
    connection as the server's answer arrives: the row is committed, and the client cannot know.

    Listens on a unix socket in its own folder; ``route(url)`` connects through it.
    """

    # psycopg ends a transaction with a simple-protocol query: 'Q', its length, "COMMIT" and a NUL.
    COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"

    def __init__(self, cluster: PostgresCluster):
        self.target = str(cluster.folder / ".s.PGSQL.5432")
        self.folder = Path(tempfile.mkdtemp(prefix="hcsp-cut-", dir="/tmp"))
        self.cuts = 0  # connections cut so far
        self._armed = 0
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(self.folder / ".s.PGSQL.5432"))
        self._listener.listen()
        threading.Thread(target=self._accept, daemon=True).start()

    def route(self, url: str) -> str:
        """``url``, connecting through this proxy."""
        return with_params(url, host=str(self.folder))

    def arm(self, times: int = 1) -> None:
        """Cut the connection after each of the next ``times`` commits."""
        with self._lock:
            self._armed += times

    def close(self) -> None:
        self._listener.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _take_cut(self) -> bool:
        with self._lock:
            if self._armed:
                self._armed -= 1
                self.cuts += 1
                return True
            return False

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.connect(self.target)
            committing = threading.Event()
            threading.Thread(target=self._upstream, args=(client, server, committing), daemon=True).start()
            threading.Thread(target=self._downstream, args=(client, server, committing), daemon=True).start()

    def _upstream(self, client: socket.socket, server: socket.socket, committing: threading.Event) -> None:
        try:
            while data := client.recv(65536):
                # The client waits for each answer before its next query, so the server's next bytes
                # after this COMMIT are its answer to it.
                if self.COMMIT in data and self._take_cut():
                    committing.set()
                server.sendall(data)
        except OSError:
            pass
        _close(server)

    def _downstream(self, client: socket.socket, server: socket.socket, committing: threading.Event) -> None:
        try:
            while data := server.recv(65536):
                if committing.is_set():
                    break  # the server has committed; the client never hears so
                client.sendall(data)
        except OSError:
            pass
        _close(client)
        _close(server)


def _close(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    connection.close()


def start_cluster(durable: bool = False) -> PostgresCluster | str:
    """A running cluster, or why there cannot be one here (``durable``: see ``PostgresCluster.start``)."""
    bindir = find_bindir()
    if bindir is None:
        return (
            "PostgreSQL is not installed (sudo apt-get install postgresql; scripts/run-tests installs it "
            "when run as root)"
        )
    cluster = PostgresCluster(bindir)
    try:
        cluster.init()
        cluster.start(durable=durable)
        cluster.execute(f'CREATE DATABASE "{DATABASE}"', url=cluster.url("postgres"))
    except BaseException:
        cluster.destroy()
        raise
    return cluster


def running_cluster() -> Iterator[PostgresCluster]:
    """For a session or module fixture: a running cluster, removed afterwards. Skips where PostgreSQL is
    not installed, except in CI (CI=true), where that fails."""
    import pytest

    cluster = start_cluster()
    if isinstance(cluster, str):
        if in_ci():
            pytest.fail(f"{cluster} (CI=true: the PostgreSQL tests must run)", pytrace=False)
        pytest.skip(cluster)
    yield cluster
    cluster.destroy()
