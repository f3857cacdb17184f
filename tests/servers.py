"""Real Redis and S3-compatible (moto) servers for the queue and store tests.

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
import time
from collections.abc import Iterator

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
