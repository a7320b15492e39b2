"""A throwaway PostgreSQL primary and its streaming replica (pg_basebackup), from Debian's PostgreSQL
binaries, on free ports, for the tests of reads off the primary (backend/replica.py).

The machine's own PostgreSQL accepts no replication connections, so the pair is a cluster of its own:
``initdb`` with trust authentication on 127.0.0.1 only, then ``pg_basebackup -R`` and a second server
that follows it. Both log every statement, so a test can tell which of them answered a query. The
servers run as the ``postgres`` user when the tests run as root (PostgreSQL refuses to run as root).
"""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.real_services import free_port


def _binaries() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries (Debian's postgresql package) are not installed")
    return found[-1].parent


class PostgresPair:
    def __init__(self):
        self.bin = _binaries()
        self.root = Path(tempfile.mkdtemp(prefix="cnscd-pair-"))
        self.primary_port, self.replica_port = free_port(), free_port()
        self.as_postgres = os.geteuid() == 0

    # --- running commands as the server's owner ----------------------------------------------

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        subprocess.run([*prefix, *command], check=True, capture_output=True)  # noqa: S603

    def _conf(self, data: Path, port: int) -> None:
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n"
                "wal_level = replica\nmax_wal_senders = 4\nfsync = off\nfull_page_writes = off\n"
                "log_statement = 'all'\nlog_line_prefix = ''\n"
            )

    # --- life cycle ----------------------------------------------------------------------------

    def start(self) -> "PostgresPair":
        if self.as_postgres:
            shutil.chown(self.root, "postgres")
        primary, replica = self.root / "primary", self.root / "replica"
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(primary),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self._conf(primary, self.primary_port)
        with (primary / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(primary), "-l", str(self.root / "primary.log"), "-w", "start"
        )
        self._run(
            str(self.bin / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary_port),
            "-U",
            "postgres",
            "-D",
            str(replica),
            "-R",
            "-X",
            "stream",
            "--no-sync",
        )
        (replica / "postgresql.conf").write_text(
            (replica / "postgresql.conf")
            .read_text()
            .replace(f"port = {self.primary_port}", f"port = {self.replica_port}")
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(replica), "-l", str(self.root / "replica.log"), "-w", "start"
        )
        return self

    def stop(self) -> None:
        for name in ("replica", "primary"):
            if (self.root / name / "postmaster.pid").exists():
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.root / name), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    # --- for the tests -------------------------------------------------------------------------

    def url(self, which: str, database: str) -> str:
        port = self.primary_port if which == "primary" else self.replica_port
        return f"postgres://postgres@127.0.0.1:{port}/{database}"

    def execute(self, which: str, sql: str, database: str = "postgres"):
        port = self.primary_port if which == "primary" else self.replica_port
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname=database, autocommit=True
        ) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else None

    def log(self, which: str) -> str:
        return (self.root / f"{which}.log").read_text(errors="replace")

    def caught_up(self, seconds: float = 10) -> bool:
        target = self.execute("primary", "SELECT pg_current_wal_lsn()::text")[0][0]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.execute("replica", f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0][0]:
                return True
            time.sleep(0.05)
        return False
