"""The whole analysis on real skin: the measurement standard, invariance to the
camera, the response to lines and to treatment (``measurement_validation``)."""
from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from landmarks import analyse
from landmarks.masks import polygon_mask
from tests.images import astronaut
from tests.measurement_validation import (
    Face,
    draw_on,
    forehead_lines,
    frown_lines,
    indices,
    invariance,
    portrait,
    procerus_line,
    smoothed_forehead,
    with_baseline_lines,
    with_forehead_lines,
    with_strands,
    zone_overlap,
)
from tests.synthetic import DrawnLine

# The target: no camera change moves an index by more than 10 %. The
# portrait's forehead and glabella are smooth at rest; faint drawn lines give
# them a baseline (``with_baseline_lines``: a lineless region's index is texture
# at the detection bar, and a percentage of it means nothing). Its crow's feet
# are its own, faint and near the bar.
TOLERANCE = 0.10
REGIONS = ("forehead", "glabella", "crows_feet_right")


@pytest.fixture(scope="module")
def plain():
    rgb = portrait()
    return Face("portrait", rgb, analyse(rgb))


@pytest.fixture(scope="module")
def lined(plain):
    rgb = with_baseline_lines(plain.rgb, plain.analysis)
    return Face("portrait with lines", rgb, analyse(rgb))


def test_portrait_is_measured_at_the_standard(plain):
    assert plain.analysis.measurement_standard and plain.analysis.source_mm_per_px <= 0.4
    assert {"forehead", "glabella", "crows_feet_right"} <= set(plain.analysis.lines)


@pytest.fixture(scope="module")
def camera_table(lined):
    return invariance(lined)


@pytest.mark.parametrize("region", REGIONS)
def test_index_ignores_the_camera(camera_table, region):
    assert camera_table["resolution x0.75"] is not None and camera_table["resolution x1.5"] is not None
    for label, row in camera_table.items():
        assert abs(row[region]) <= 100 * TOLERANCE, (label, row)


@pytest.fixture(scope="module")
def coarser_camera_table():
    """The camera table of the portrait at 0.31 mm/px, the issue's portrait's
    resolution: the grain is coarser against the lines there than at 0.25."""
    rgb = portrait(1.6)
    lined = with_baseline_lines(rgb, analyse(rgb))
    return invariance(Face("portrait at 1.6x", lined, analyse(lined)))


@pytest.mark.parametrize("region", REGIONS)
def test_index_ignores_the_camera_nearer_the_standard(coarser_camera_table, region):
    """At one pair of detection bars the frown lines' faint ends joined and parted
    with the tone curve: gamma 1.25 moved the glabella by 11 % here."""
    assert coarser_camera_table["resolution x0.75"] is None  # below the standard: no index
    for label, row in coarser_camera_table.items():
        if row is not None:
            assert abs(row[region]) <= 100 * TOLERANCE, (label, row)


@pytest.mark.parametrize("scale", [2.0, 1.4], ids=["0.25 mm/px", "0.35 mm/px"])
def test_drawn_lines_raise_the_index_monotonically_with_depth(plain, scale):
    """Also in the coarsest photo measured, where a line 0.8 mm wide is two of the
    photo's pixels: the hair test once painted the deepest lines over there."""
    face = plain if scale == 2.0 else Face("portrait", portrait(scale), analyse(portrait(scale)))
    series = [indices(face.analysis)["forehead"]]
    series += [indices(analyse(with_forehead_lines(face.rgb, face.analysis, d)))["forehead"]
               for d in (0.1, 0.2, 0.4, 0.6)]
    assert series == sorted(series), series
    assert series[3] >= 1.3 * series[0] + 1.0, series  # 40 % deep lines: at least +30 %


def test_lines_on_a_lined_forehead_still_count(lined):
    deeper = analyse(with_forehead_lines(lined.rgb, lined.analysis, 0.4))
    assert indices(deeper)["forehead"] >= 1.3 * indices(lined.analysis)["forehead"]


def test_lines_of_another_region_do_not_hide_frown_lines(plain):
    """Forehead lines run across the glabella's upper part. They are real lines, not
    the skin's grain: counted as grain they raised the glabella's bar, and its frown
    lines read 24 % fainter as the forehead lines deepened (a forehead treatment
    would have made the frown lines look worse)."""
    frowns = frown_lines(plain.analysis, 0.2)
    alone = indices(analyse(draw_on(plain.rgb, plain.analysis, frowns)))["glabella"]
    crossed = draw_on(plain.rgb, plain.analysis, frowns + forehead_lines(plain.analysis, 0.3))
    assert abs(indices(analyse(crossed))["glabella"] / alone - 1) <= TOLERANCE


def test_the_procerus_line_across_the_nasal_root_counts(plain):
    """The glabella expects vertical lines, but at the nasal root the procerus creases
    it across: a horizontal line there weighed nothing (cos⁴ 90° = 0). With the
    glabella's relief taken out (``wrinkles.RELIEF_MM``) the line 8 mm long, 30 % deep,
    adds 1.5 (3.1 before): its faded ends leave it shorter on the 6-12 mm ramp."""
    frowns = frown_lines(plain.analysis, 0.2)
    alone = indices(analyse(draw_on(plain.rgb, plain.analysis, frowns)))["glabella"]
    series = [indices(analyse(draw_on(plain.rgb, plain.analysis, frowns + [procerus_line(plain.analysis, depth)])))
              ["glabella"] for depth in (0.15, 0.3)]
    assert alone < series[0] < series[1] and series[1] >= alone + 1.0


def test_the_glabellas_broad_shade_is_not_a_frown_line(plain):
    """The brow heads and the procerus bulge, and the shade between them is several
    millimetres wide: read as frown lines it gave lineless glabellas (most on darker
    skin) indices of 3-6. A shade 4 mm wide where the frown lines would run adds a
    fifth or less of what lines 0.8 mm wide of the same depth add (half, before the
    glabella's relief was taken out)."""
    base = indices(plain.analysis)["glabella"]

    def added(width_mm: float) -> float:
        drawn = [DrawnLine(line.start, line.end, width_mm / plain.analysis.mm_per_px, line.depth)
                 for line in frown_lines(plain.analysis, 0.2)]
        return indices(analyse(draw_on(plain.rgb, plain.analysis, drawn)))["glabella"] - base

    lines, shade = added(0.8), added(4.0)
    assert lines >= 4.0 and 0 <= shade <= 0.2 * lines, (lines, shade)


def test_a_smoothed_forehead_scores_at_least_30_percent_lower(lined):
    after = analyse(smoothed_forehead(lined.rgb, lined.analysis))
    assert indices(after)["forehead"] <= 0.7 * indices(lined.analysis)["forehead"]


@pytest.mark.parametrize("image", ["portrait at 1x", "portrait at 1.25x", "astronaut at 2x"])
def test_below_the_standard_no_index_but_regions_and_a_warning(image):
    """The portrait at 1.25x (0.39 mm/px) holds the lines' detail, but not the
    hairs': single black hairs there read as lines (+56-66 %), so it gets no index."""
    rgb = {"portrait at 1x": lambda: portrait(1.0), "portrait at 1.25x": lambda: portrait(1.25),
           "astronaut at 2x": lambda: astronaut(2.0)}[image]()
    result = analyse(rgb)
    assert result.face_found and result.regions["forehead"].polygon
    assert result.lines == {} and result.measurement_standard is None
    warning = next(w for w in result.warnings if w.code == "below_measurement_standard")
    assert "0.35 mm per pixel" in warning.message and f"{result.source_mm_per_px:.2f}" in warning.message


@pytest.mark.parametrize("seed", [0, 2])
@pytest.mark.parametrize("colour", [(235, 235, 232), (175, 172, 170), (90, 60, 45), (35, 30, 30)],
                         ids=["white", "grey", "brown", "black"])
def test_hairs_across_the_forehead_are_not_lines(lined, colour, seed):
    """Eight single hairs lying across the lined forehead, within 20 degrees of its
    lines and crossing them: a dark one is a valley of the lines' depth, told apart
    only by being narrower than a pixel of the photo (``landmarks.strands``); before
    that was looked for, black hairs tripled the index."""
    strands = analyse(with_strands(lined.rgb, lined.analysis, colour, seed=seed))
    assert abs(indices(strands)["forehead"] / indices(lined.analysis)["forehead"] - 1) <= 0.10


@cache
def _lined_at(scale: float) -> Face:
    rgb = portrait(scale)
    rgb = with_baseline_lines(rgb, analyse(rgb))
    return Face(f"portrait {scale}x with lines", rgb, analyse(rgb))


@pytest.mark.parametrize("scale, colour, seed", [
    (1.4, (90, 60, 45), 0),   # the coarsest photo measured (0.35 mm/px)
    (1.6, (35, 30, 30), 1),   # three hairs crossing each other and a line (0.31 mm/px)
    (2.5, (35, 30, 30), 0),   # sharper than the grid (0.2 mm/px)
    (2.5, (90, 60, 45), 1),
    (4.0, (90, 60, 45), 0),   # a photo pixel as thick as the hair (0.12 mm/px)
], ids=["brown, coarsest photo", "crossing hairs", "black, sharp photo", "brown, sharp photo", "brown, very sharp photo"])
def test_hairs_are_not_lines_at_other_resolutions(scale, colour, seed):
    """Hairs that crossed each other were taken for a blob (their run held more
    pixels than three times its extent) and counted: +117 %. In a photo sharper
    than the grid, hairs were looked for on the grid, where a real hair is diluted
    into a 0.2 mm pixel: brown ones added a third. In the coarsest photo measured,
    a hair dilutes into the photo's pixel: at a fixed depth brown ones added 16-18 %."""
    lined = _lined_at(scale)
    strands = analyse(with_strands(lined.rgb, lined.analysis, colour, seed=seed))
    assert abs(indices(strands)["forehead"] / indices(lined.analysis)["forehead"] - 1) <= 0.10


def test_hair_is_neither_forehead_nor_lines():
    face = astronaut(4.0)  # her dark fringe comes down to a strip above the brows
    result = analyse(face)
    scale = face.shape[1] / result.width
    cheek = face[820:920, 1010:1150, 1].astype(np.float32)
    hair = face[..., 1] < 0.6 * np.median(cheek)
    forehead = polygon_mask(face.shape[:2], np.asarray(result.regions["forehead"].polygon) * scale)
    assert forehead.sum() > 0 and (forehead & hair).sum() < 0.05 * forehead.sum()


def test_regions_cover_the_skin_marked_by_hand():
    """The portrait's head is turned by 14 degrees: the crow's feet on the far side
    (the patient's left) are laid out on the turned face, not the flat frame."""
    overlap = zone_overlap(analyse(portrait(1.0)))
    assert overlap["forehead"][0] >= 0.90, overlap
    # The 80 %, on both sides. On the far side about 8 mm of that skin is in
    # view before the temporal hair; laid out flat the zone covered 56 % of it and
    # reached into the background, and starting 5 mm from the canthus, 79 %.
    assert overlap["crows_feet_right"][0] >= 0.80, overlap
    assert overlap["crows_feet_left"][0] >= 0.80, overlap
