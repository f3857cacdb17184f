"""The suite runs on a fresh clone: every file a test reads is in the repository."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import OUTSIDE_THE_CLONE
from tests.measurement_validation import CUT_FACE, PORTRAIT

REPOSITORY = Path(__file__).resolve().parents[2]


def test_the_real_test_photos_are_in_the_repository_with_their_notice():
    notice = (REPOSITORY / "tests" / "data" / "NOTICE.md").read_text()
    for photo in (PORTRAIT, CUT_FACE):
        assert photo.is_relative_to(REPOSITORY) and photo.stat().st_size > 100_000
        assert f"`{photo.name}`" in notice
    assert sum(p.stat().st_size for p in (REPOSITORY / "tests" / "data").iterdir()) < 5_000_000


def test_a_test_that_reads_beside_the_repository_fails():
    with pytest.raises(PermissionError, match="not part of the repository"):
        open(OUTSIDE_THE_CLONE + "faces/obama3.jpg", "rb")
    with pytest.raises(PermissionError, match="not part of the repository"):
        Path(OUTSIDE_THE_CLONE, "faces", "london", "README.md").read_text()
