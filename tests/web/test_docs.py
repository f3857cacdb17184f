"""The README documents every setting and command (docs cannot drift)."""
from __future__ import annotations

from pathlib import Path

from gallery.config import DEFAULTS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_documented():
    for key in DEFAULTS:
        assert f"`{key}`" in README, key


def test_every_cli_command_is_documented(app):
    ours = {"init-db", "create-user", "create-token", "revoke-tokens", "backup", "restore", "check-store", "reanalyze",
            "refresh-gallery", "worker", "demo-data"}
    assert ours <= set(app.cli.commands)
    for name in ours:
        assert f"flask --app app {name}" in README, name


def test_ci_runs_the_readme_test_command():
    command = "pip install -e '.[test]' && python -m pytest"
    assert f"\n{command}\n" in README
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()
    runs = [line.strip() for line in ci.splitlines() if line.strip() == command]
    assert len(runs) == 2  # SQLite, then PostgreSQL
    assert "export PATH=/tmp/ci-py312/bin:$PATH" in ci  # the first on Python 3.12


def test_the_supported_pythons_are_the_ones_installed_and_named():
    import tomllib

    root = Path(__file__).resolve().parents[2]
    requires = tomllib.loads((root / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11,<3.13"
    assert "Python 3.11 or 3.12" in README
