"""Work split into bands gives the pixels of the whole image (``landmarks.parallel``)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest

import landmarks.parallel as parallel
from landmarks import analyse
from landmarks.anatomy import LEFT_IRIS_CENTRE, RIGHT_IRIS_CENTRE
from landmarks.mesh import detect_faces
from landmarks.parallel import at_once, in_bands
from landmarks.skin import skin_mask
from landmarks.strands import REACH_MM, without_strands
from landmarks.wrinkles import GRID_MM_PER_PX, VALLEY_REACH_MM, valley_strength
from tests.images import astronaut
from tests.measurement_validation import portrait, with_strands


def _blur(image: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), 2.0)  # reaches 4 sigma: 8 rows


def _texture(shape: tuple[int, int] = (240, 180)) -> np.ndarray:
    return np.random.default_rng(3).normal(0, 1, shape).astype(np.float32)


def test_bands_give_the_whole_images_pixels_when_they_overlap_by_the_works_reach():
    image = _texture()
    assert np.array_equal(in_bands(_blur, image, 9), _blur(image))


def test_bands_without_enough_overlap_differ_where_they_meet():
    image = _texture()
    banded, whole = in_bands(_blur, image, 2), _blur(image)
    differing_rows = np.nonzero(np.any(banded != whole, axis=1))[0]
    assert len(differing_rows) and abs(differing_rows.mean() - image.shape[0] / 2) < 10


def test_each_output_of_a_tuple_is_stitched():
    log_lum = np.log1p(np.abs(_texture((300, 200))) * 40).astype(np.float32)
    reach = int(np.ceil(VALLEY_REACH_MM / GRID_MM_PER_PX))
    for banded, whole in zip(in_bands(valley_strength, log_lum, reach), valley_strength(log_lum)):
        assert np.array_equal(banded, whole)


def test_an_image_too_short_for_bands_is_worked_on_whole():
    calls = []
    in_bands(lambda band: calls.append(band.shape) or band, _texture((30, 40)), 9)
    assert calls == [(30, 40)]


def test_several_images_are_cut_into_the_same_bands():
    image = _texture()
    assert np.array_equal(in_bands(lambda a, b: _blur(a) - b, (image, image * 2), 9), _blur(image) - image * 2)
    with pytest.raises(ValueError, match="different heights"):
        in_bands(lambda a, b: a, (image, image[:-1]), 9)


def test_pieces_of_work_give_their_results_in_order_even_from_a_band_thread():
    assert at_once([lambda k=k: k * k for k in range(5)]) == [0, 1, 4, 9, 16]
    # A band's work that itself runs pieces at once runs them in turn, not waiting on a busy thread.
    nested = in_bands(lambda band: np.full(band.shape, sum(at_once([lambda: 1, lambda: 2]))), _texture(), 9)
    assert np.all(nested == 3)


def test_a_negative_overlap_is_refused():
    with pytest.raises(ValueError, match="overlap_px"):
        in_bands(_blur, _texture(), -1)


def _hairy_skin() -> np.ndarray:
    """A 40 x 40 mm patch of grid skin with grain and hairs crossing its middle rows, where
    two bands meet: dark and bright, short ones just over a strand's 2 mm and a long one."""
    image = (np.log1p(170.0) + np.random.default_rng(5).normal(0, 0.015, (200, 200))).astype(np.float32)
    cover = np.zeros(image.shape, np.float32)
    for x in range(20, 180, 25):  # 2.4 mm long, across the cut at row 100
        cv2.line(cover, (x * 16, 94 * 16), ((x + 3) * 16, 106 * 16), 1.0, 1, cv2.LINE_AA, shift=4)
    cv2.line(cover, (10 * 16, 40 * 16), (190 * 16, 170 * 16), 1.0, 1, cv2.LINE_AA, shift=4)
    bright = np.zeros(image.shape, np.float32)
    cv2.line(bright, (30 * 16, 160 * 16), (170 * 16, 60 * 16), 1.0, 1, cv2.LINE_AA, shift=4)
    return image - 0.4 * cover + 0.3 * bright


def _painted(image: np.ndarray) -> np.ndarray:
    return without_strands(image, GRID_MM_PER_PX)


def test_hairs_across_the_bands_meeting_are_painted_as_in_the_whole_image():
    image = _hairy_skin()
    whole = _painted(image)
    assert (whole != image).sum() > 500  # hairs were found and painted
    banded = in_bands(_painted, image, int(np.ceil(REACH_MM / GRID_MM_PER_PX)))
    assert np.array_equal(banded, whole)
    # With too little overlap, the short hairs across the meeting rows are cut below a strand's length.
    short = in_bands(_painted, image, 1)
    assert np.sum(short != whole) > 50


@pytest.mark.parametrize("colour", [None, (20, 14, 10), (235, 235, 230)])
def test_a_sharp_photo_with_hairs_measures_the_same_in_bands_as_whole(monkeypatch, colour):
    # The portrait at 0.2 mm/px: hairs are painted out at its own pixels, the heaviest
    # step split into bands; dark and bright hairs across the forehead make both
    # passes find strands, so the reach of each step is exercised. Without hairs, a side
    # sampled beside a valley a 1/32-pixel step apart in a band once moved its crow's feet
    # by 0.1 % (see wrinkles.sides_across).
    face = portrait(2.5)
    hairy = face if colour is None else with_strands(face, analyse(face), colour)
    banded = analyse(hairy)
    monkeypatch.setattr(parallel, "BANDS", 1)
    whole = analyse(hairy)
    assert banded.lines and banded.lines.keys() == whole.lines.keys()
    for name, measure in whole.lines.items():
        assert banded.lines[name] == measure, name
    assert np.array_equal(banded.line_map, whole.line_map)


@pytest.mark.parametrize("photo", ["portrait", "astronaut"])
def test_the_skin_mask_is_the_same_in_bands_as_whole(monkeypatch, photo):
    # Hair by texture (the astronaut's), the colour model and its tests, judged in bands.
    rgb = portrait(1.0) if photo == "portrait" else astronaut(2)
    xy = detect_faces(rgb, symmetric=True).faces[0].xy
    iod_px = float(np.linalg.norm(xy[LEFT_IRIS_CENTRE] - xy[RIGHT_IRIS_CENTRE]))
    banded = skin_mask(rgb, xy, iod_px)
    monkeypatch.setattr(parallel, "BANDS", 1)
    assert banded.sum() > 50_000  # the face's skin, in the mask's window
    assert np.array_equal(banded, skin_mask(rgb, xy, iod_px))


def test_threads_starting_at_once_share_one_pool(monkeypatch):
    made = []

    class Counted(parallel.ThreadPoolExecutor):
        def __init__(self, *args, **kwargs):
            made.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(parallel, "ThreadPoolExecutor", Counted)
    monkeypatch.setattr(parallel, "_pool", None)
    start = threading.Barrier(8)

    def first_analysis():
        start.wait()
        return at_once([lambda: 1, lambda: 2])

    with ThreadPoolExecutor(8) as requests:
        results = list(requests.map(lambda _: first_analysis(), range(8)))
    assert results == [[1, 2]] * 8 and len(made) == 1
    made[0].shutdown()
