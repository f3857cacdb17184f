"""Real Redis, S3-compatible (moto) and SMTP (aiosmtpd) servers for the queue, store and email tests.

Each starts once per test session on a free local port. Without the program
the tests that need it are skipped, unless GALLERY_REQUIRE_SERVERS=1 (CI),
where a missing server is a failure.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _missing(what: str) -> None:
    if os.environ.get("GALLERY_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{what} is required (GALLERY_REQUIRE_SERVERS=1) but not available")
    pytest.skip(f"{what} not available")


def _serve(command: list[str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    pytest.fail(f"{command[0]} did not start on port {port}")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """A fresh redis-server (Debian's); yields its URL base, redis://127.0.0.1:PORT."""
    program = shutil.which("redis-server")
    if program is None:
        _missing("redis-server")
    port = _free_port()
    process = _serve([program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], port)
    yield f"redis://127.0.0.1:{port}"
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's standalone S3-compatible server; yields its endpoint URL."""
    try:
        import moto.server  # noqa: F401
    except ImportError:
        _missing("moto[server]")
    port = _free_port()
    process = _serve([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], port)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[int, Path]]:
    """aiosmtpd's SMTP server, writing every message it takes into a Maildir; yields (port, the Maildir)."""
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        _missing("aiosmtpd")
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="gallery-smtp-"))
    process = _serve([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                      "-c", "aiosmtpd.handlers.Mailbox", str(folder / "Maildir")], port)
    yield port, folder / "Maildir"
    process.terminate()
    process.wait(10)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def own_postgres() -> Iterator[tuple[str, Callable[[], None]]]:
    """A PostgreSQL server of this test's own (Debian's binaries), to restart: (its URL, restart())."""
    import glob
    import pwd

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        _missing("PostgreSQL's server binaries")
    bin_dir = os.path.dirname(found[-1])
    folder = Path(tempfile.mkdtemp(prefix="gallery-postgres-"))  # not under pytest's root-only folder
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run it as the postgres user
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder}"

    def pg_ctl(*args: str) -> None:
        subprocess.run([*as_postgres, f"{bin_dir}/pg_ctl", "-D", str(folder / "data"), "-o", options,
                        "-l", str(folder / "log"), "-w", *args], check=True, capture_output=True)

    subprocess.run([*as_postgres, f"{bin_dir}/initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    pg_ctl("start")
    subprocess.run([*as_postgres, f"{bin_dir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                    "gallery"], check=True, capture_output=True)
    yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/gallery", lambda: pg_ctl("-m", "fast", "restart")
    pg_ctl("-m", "immediate", "stop")
    shutil.rmtree(folder, ignore_errors=True)
