"""The measurement grid samples every window of a photo on one lattice (``landmarks.grid``)."""
from __future__ import annotations

import numpy as np
import pytest

from landmarks import analyse
from landmarks.anatomy import FACE_OVAL, LEFT_IRIS_CENTRE, RIGHT_IRIS_CENTRE, FaceFrame
from landmarks.grid import Grid
from landmarks.masks import polygon_mask
from landmarks.skin import skin_mask
from landmarks.wrinkle_regions import measure_regions
from landmarks.wrinkles import photometric_scale
from tests.images import astronaut


@pytest.mark.parametrize("per_working_px", [0.6, 1.0, 2.7])
def test_overlapping_windows_sample_the_same_pixels(per_working_px):
    image = astronaut(1.0)
    factor = 0.83
    wide = Grid.around((10.0, 12.0, 150.0, 140.0), factor)
    narrow = Grid.around((47.3, 61.9, 120.0, 100.0), factor)
    a, b = wide.sample(image, per_working_px), narrow.sample(image, per_working_px)
    dx, dy = narrow.origin[0] - wide.origin[0], narrow.origin[1] - wide.origin[1]
    assert dx > 0 and dy > 0
    # Equal up to the rounding of warpAffine's fixed-point coordinates.
    overlap = a[dy:dy + b.shape[0], dx:dx + b.shape[1]].astype(int)
    difference = np.abs(overlap - b)
    assert difference.max() <= 2 and difference.mean() < 0.05, (difference.max(), difference.mean())


def test_a_finer_window_resampled_matches_sampling_the_photo():
    """Hairs are painted on a finer lattice and brought to the grid (``Grid.resample``):
    that lands on the grid's own pixels, as sampling the photo there does."""
    image = astronaut(1.0)[..., 1].astype(np.float32)
    box, per_working_px = (40.0, 50.0, 180.0, 170.0), 1.0
    grid, fine = Grid.around(box, 0.4), Grid.around(box, 0.9)
    direct = grid.sample(image, per_working_px)
    through_fine = grid.resample(fine.sample(image, per_working_px), fine)
    inner = (slice(3, -3), slice(3, -3))  # away from the fine window's replicated border
    difference = np.abs(direct[inner] - through_fine[inner])
    assert difference.mean() < 0.5, difference.mean()  # half a fine pixel off: 1.4


def test_paint_puts_grid_pixels_back_where_they_came_from():
    grid = Grid.around((20.0, 30.0, 90.0, 80.0), 0.5)
    values = np.zeros(grid.shape, np.uint8)
    spot = grid.from_working([[50.0, 60.0]])[0].astype(int)
    values[spot[1], spot[0]] = 7
    target = np.zeros((120, 140), np.uint8)
    grid.paint(values, target)
    rows, cols = np.nonzero(target == 7)
    assert rows.min() <= 60 <= rows.max() + 1 and cols.min() <= 50 <= cols.max() + 1
    assert len(rows) == 4  # one grid pixel is 2 x 2 working pixels


def test_a_region_is_measured_the_same_whatever_the_other_regions():
    """Dropping the crow's feet shrinks the window; the forehead and glabella keep their numbers."""
    rgb = astronaut(4.0)
    result = analyse(rgb)
    assert result.height == rgb.shape[0]  # the working image is the photo itself
    xy = result.landmarks
    iod = float(np.linalg.norm(xy[LEFT_IRIS_CENTRE] - xy[RIGHT_IRIS_CENTRE]))
    frame = FaceFrame.from_landmarks(xy, result.mm_per_px)
    skin = skin_mask(rgb, xy, iod)
    scale = photometric_scale(rgb, skin & polygon_mask(skin.shape, xy[list(FACE_OVAL)]))
    every = measure_regions(rgb, result.source_mm_per_px, frame, xy, result.regions, skin, scale).measures
    some = {name: result.regions[name] for name in ("forehead", "glabella")}
    fewer = measure_regions(rgb, result.source_mm_per_px, frame, xy, some, skin, scale).measures
    assert set(fewer) == {"forehead", "glabella"}
    for name in fewer:
        assert fewer[name].wrinkle_index == pytest.approx(every[name].wrinkle_index, rel=0.01), name
