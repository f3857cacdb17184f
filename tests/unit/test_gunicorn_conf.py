"""The production worker's start-up hook (``gunicorn.conf.py``), run in a process of its own."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

HOOK = """
import gc, runpy, types
conf = runpy.run_path("gunicorn.conf.py")
print("arenas limited", conf["_two_malloc_arenas"]())
conf["post_worker_init"](types.SimpleNamespace(wsgi=types.SimpleNamespace(extensions={})))
print("frozen", gc.get_freeze_count() > 0)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc is Linux's")
def test_a_worker_limits_mallocs_arenas_and_freezes_what_is_loaded():
    result = subprocess.run([sys.executable, "-c", HOOK], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:2] == ["arenas limited True", "frozen True"]
