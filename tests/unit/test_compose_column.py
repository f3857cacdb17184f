"""One photo's de-identified areas as a column for a slider (landmarks.deidentify.compose_column)."""
from __future__ import annotations

import numpy as np
import pytest

from landmarks.deidentify import MIN_AREA_PX, AreaCut, compose_column, shown_skin


def _cut(name: str, h: int, w: int, before: int, after: int) -> AreaCut:
    mask = np.ones((h, w), bool)
    return AreaCut(name, (0, 0, w, h), np.full((h, w, 3), before, np.uint8), np.full((h, w, 3), after, np.uint8), mask)


def test_both_sides_share_size_and_placements_so_the_divide_crosses_the_same_skin():
    cuts = [_cut("forehead", 40, 200, 10, 20), _cut("glabella", 60, 80, 30, 40)]
    before, placed_before = compose_column(cuts, "before")
    after, placed_after = compose_column(cuts, "after")
    assert before.shape == after.shape and placed_before == placed_after
    assert [name for name, _ in placed_before] == ["forehead", "glabella"]  # top to bottom, in order
    for cut, (_, (x, y)), image, side in ((cuts[1], placed_before[1], before, "before"),
                                          (cuts[1], placed_after[1], after, "after")):
        assert (image[y:y + 60, x:x + 80] == getattr(cut, side)).all()
    assert placed_before[1][1][1] >= placed_before[0][1][1] + 40  # the second under the first, not over it


def test_only_the_cuts_pixels_and_the_page_are_drawn():
    cuts = [_cut("forehead", 30, 50, 77, 88)]
    image, [(_, (x, y))] = compose_column(cuts, "after")
    outside = np.ones(image.shape[:2], bool)
    outside[y:y + 30, x:x + 50] = False
    assert (image[outside] == 255).all()


@pytest.mark.parametrize("side", ["left", "side", ""])
def test_a_side_other_than_before_or_after_is_a_programming_error(side):
    with pytest.raises(ValueError):
        compose_column([_cut("forehead", 10, 10, 0, 0)], side)


def test_no_area_is_a_programming_error():
    with pytest.raises(ValueError):
        compose_column([], "before")


def test_shown_skin_needs_the_area_outlined_in_both_photos():
    square = [[0, 0], [100, 0], [100, 100], [0, 100]]
    assert shown_skin((200, 200), square, square).sum() >= MIN_AREA_PX
    apart = [[150, 150], [199, 150], [199, 199], [150, 199]]
    assert shown_skin((200, 200), square, apart) is None
