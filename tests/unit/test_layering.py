"""landmarks/ and uploads/ stay free of the web and the database."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"flask", "sqlalchemy", "gallery", "werkzeug", "alembic"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["landmarks", "uploads"])
def test_pure_packages_never_import_web_or_db(package):
    files = sorted((ROOT / package).glob("**/*.py"))
    assert files
    for path in files:
        assert not (_imports(path) & FORBIDDEN), f"{path.relative_to(ROOT)} imports {_imports(path) & FORBIDDEN}"


def test_landmarks_does_not_import_uploads():
    for path in (ROOT / "landmarks").glob("**/*.py"):
        assert "uploads" not in _imports(path), path
