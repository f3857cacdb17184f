"""The measurement on real skin: invariance, line and smoothing response, accuracy, speed.

Four faces at the measurement standard (see tests/measurement_validation.py):
the public-domain portrait in tests/data upsampled 2x (about 0.25 mm/px),
1.6x (0.31 mm/px) and 1.4x (0.35 mm/px, the coarsest photo measured, like a
sharp photo whose face fills less of the frame: noise and JPEG blocks reach the
measurement almost unsoftened there), and the astronaut at 4.5x with her
forehead bared. Each gets
three faint lines (15 % deep) across the forehead and two (20 % deep) in the
glabella as a baseline (``with_baseline_lines``: a lineless region's relative
change means nothing). Prints, per face:

* the change of each region's index under each camera change (gamma, exposure,
  noise, JPEG, resolution; "below standard" where a change takes the photo
  past the standard, so it gets no index), then the region warnings a change
  raised that the unchanged photo has not (a region blown out to white reads
  low and says so);
* the spread of each index over five draws of the same noise (sigma 4): how
  much of a change is chance;
* the glabella's index with its frown lines fixed as forehead lines across its
  upper part deepen (a region's bar is set by its grain, not by another
  region's lines), and with a horizontal procerus line added across the nasal root;
* the forehead index as the drawn lines deepen, after smoothing, and with
  single white, grey, brown and black hairs lying across it (three placements);
* pixel precision and recall of the forehead line map against lines drawn
  40 % deep (2-pixel tolerance, working-image pixels);

The astronaut is upsampled 4.5x from about 1.4 mm/px: her skin has no texture
at the standard's detail, so added noise or JPEG blocks are all the grain
there is, and her small regions (glabella, crow's feet) swing with them. Her
rows show that limit of an upsampled photo. The portrait, upsampled 2x and
1.6x from 0.49 mm/px (near the standard, so its skin keeps its texture), is
held to 10 % in the tests.

Hairs are 0.12 mm thick, drawn as a camera records them (covering their share
of a pixel). The same hairs are then laid on the lined portrait in sharper photos: 2.5x
(0.2 mm/px, the grid's own pixel) and 4x (0.12 mm/px, where a photo pixel is as
wide as the hair).

Then how much of zones marked by hand on the portrait (the skin each region
should cover, marked on the photo by eye) each region covers, and the whole
analysis time of two 12 MP photos (4032 x 3024): the portrait resized, and a
close-up whose face fills the frame (0.11 mm/px), where hairs are looked for
at the photo's own pixels and the face is large.

    python bench/measure.py
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from bench._photo import median_seconds  # noqa: E402
from landmarks import analyse  # noqa: E402
from tests.images import astronaut  # noqa: E402
from tests.measurement_validation import (  # noqa: E402
    Face,
    change_pct,
    draw_on,
    forehead_lines,
    frown_lines,
    indices,
    invariance,
    noise,
    portrait,
    procerus_line,
    smoothed_forehead,
    with_baseline_lines,
    with_forehead_lines,
    with_strands,
    zone_overlap,
)
from tests.synthetic import line_mask  # noqa: E402
from tests.wrinkle_validation import bare_forehead, precision_recall  # noqa: E402

REGIONS = ("forehead", "glabella", "crows_feet_right", "crows_feet_left")
DEPTHS = (0.1, 0.2, 0.4, 0.6)
HAIR_COLOURS = {"white": (235, 235, 232), "grey": (175, 172, 170), "brown": (90, 60, 45), "black": (35, 30, 30)}
HAIR_PLACEMENTS = 3
NOISE_SEEDS = 5
SHARPER = (2.5, 4.0)
CROSSING_DEPTHS = (0.15, 0.3, 0.5)
PROCERUS_DEPTHS = (0.15, 0.3)


def _faces() -> list[Face]:
    bared = astronaut(4.5)
    bared = bare_forehead(bared, analyse(bared))
    faces = []
    for name, rgb in (("portrait 2x", portrait(2.0)), ("portrait 1.6x", portrait(1.6)),
                      ("portrait 1.4x, the coarsest measured", portrait(1.4)), ("astronaut 4.5x, forehead bared", bared)):
        plain = analyse(rgb)
        lined = with_baseline_lines(rgb, plain)
        faces.append(Face(name, lined, analyse(lined)))
        faces.append(Face(name + " (plain)", rgb, plain))
    return faces


def _cell(value: float | None) -> str:
    return "     -" if value is None else f"{value:+6.1f}"


def report(face: Face, plain: Face) -> None:
    base = indices(face.analysis)
    shown = [r for r in REGIONS if r in base]
    print(f"\n## {face.name}: {face.analysis.source_mm_per_px:.3f} mm/px, baseline "
          + ", ".join(f"{r} {base[r]:.2f}" for r in shown))
    print(f"{'change (%)':22s}" + "".join(f"{r:>18s}" for r in shown))
    notes: dict[str, list[str]] = {}
    for label, row in invariance(face, notes=notes).items():
        cells = "below standard" if row is None else "".join(f"{_cell(row.get(r)):>18s}" for r in shown)
        print(f"{label:22s}{cells}")
    already = {warning.message for warning in face.analysis.warnings}
    for label, messages in notes.items():
        for message in messages:
            if message not in already:
                print(f"  {label}: {message}")
    spread = [indices(analyse(noise(face.rgb, 4.0, seed))) for seed in range(1, NOISE_SEEDS + 1)]
    print(f"noise sigma 4, {NOISE_SEEDS} draws (change): " + ", ".join(
        f"{r} {min(change_pct(s[r], base[r]) for s in spread):+.1f}..{max(change_pct(s[r], base[r]) for s in spread):+.1f}"
        for r in shown))
    frowns = frown_lines(plain.analysis, 0.2)
    crossed = [indices(analyse(draw_on(plain.rgb, plain.analysis,
                                       frowns + (forehead_lines(plain.analysis, d) if d else [])))).get("glabella", 0.0)
               for d in (0.0,) + CROSSING_DEPTHS]
    print("glabella with frown lines 20 % deep, forehead lines " + "/".join(f"{d:.0%}" for d in (0.0,) + CROSSING_DEPTHS)
          + " deep across it: " + " -> ".join(f"{v:.2f}" for v in crossed))
    procerus = [indices(analyse(draw_on(plain.rgb, plain.analysis, frowns + [procerus_line(plain.analysis, d)])))
                .get("glabella", 0.0) for d in PROCERUS_DEPTHS]
    print("glabella with frown lines 20 % deep, plus a procerus line " + "/".join(f"{d:.0%}" for d in PROCERUS_DEPTHS)
          + " deep across the nasal root: " + " -> ".join(f"{v:.2f}" for v in [crossed[0]] + procerus))
    series = [indices(plain.analysis).get("forehead", 0.0)]
    series += [indices(analyse(with_forehead_lines(plain.rgb, plain.analysis, d))).get("forehead", 0.0)
               for d in DEPTHS]
    print("forehead index, plain then lines " + "/".join(f"{d:.0%}" for d in DEPTHS) + " deep: "
          + " -> ".join(f"{v:.2f}" for v in series))
    smoothed = indices(analyse(smoothed_forehead(face.rgb, face.analysis))).get("forehead", 0.0)
    print(f"smoothed forehead: {base['forehead']:.2f} -> {smoothed:.2f} "
          f"({change_pct(smoothed, base['forehead']):+.0f} %)")
    print(f"forehead index with 8 hairs across it ({HAIR_PLACEMENTS} placements, change): {_hair_changes(face)}")
    drawn = with_forehead_lines(plain.rgb, plain.analysis, 0.4)
    result = analyse(drawn)
    truth = line_mask((result.height, result.width), forehead_lines(plain.analysis, 0.4)) & result.measured_map
    forehead = result.line_map == 1 + list(result.regions).index("forehead")
    precision, recall = precision_recall(forehead, truth)
    print(f"forehead lines 40 % deep: precision {precision:.2f}, recall {recall:.2f}")


def _hair_changes(face: Face) -> str:
    base = indices(face.analysis)["forehead"]
    changes = {name: [change_pct(indices(analyse(with_strands(face.rgb, face.analysis, colour, seed=seed)))
                                 .get("forehead", 0.0), base) for seed in range(HAIR_PLACEMENTS)]
               for name, colour in HAIR_COLOURS.items()}
    return ", ".join(f"{name} {min(v):+.0f}..{max(v):+.0f} %" for name, v in changes.items())


def hairs_in_sharper_photos() -> None:
    print("\n## 8 hairs across the lined portrait's forehead in sharper photos "
          f"({HAIR_PLACEMENTS} placements, change)")
    for scale in SHARPER:
        rgb = portrait(scale)
        lined = with_baseline_lines(rgb, analyse(rgb))
        face = Face(f"portrait {scale}x", lined, analyse(lined))
        print(f"{face.name} ({face.analysis.source_mm_per_px:.3f} mm/px): {_hair_changes(face)}")


def hand_zone_coverage() -> None:
    """Share of each hand-marked zone inside the region found, and of the region inside the zone."""
    result = analyse(portrait(1.0))
    print("\n## regions against zones marked by hand on the portrait (1x)")
    for name, (covered, inside) in zone_overlap(result).items():
        print(f"{name:18s} covers {covered:.0%} of the zone; {inside:.0%} of it lies inside")


def main() -> None:
    faces = _faces()
    for lined, plain in zip(faces[::2], faces[1::2]):
        report(lined, plain)
    hairs_in_sharper_photos()
    hand_zone_coverage()
    print()
    for label, twelve in (("the portrait", cv2.resize(portrait(1.0), (4032, 3024), interpolation=cv2.INTER_CUBIC)),
                          ("a close-up", _close_up(4.6))):
        result = analyse(twelve)  # load the face model once, as a running worker has
        seconds = median_seconds(lambda: analyse(twelve), 5)
        print(f"whole analysis of a 12 MP photo (4032 x 3024), {label} at {result.source_mm_per_px:.2f} mm/px: "
              f"{1000 * seconds:.0f} ms (median of 5)")


def _close_up(scale: float) -> np.ndarray:
    """A 4032 x 3024 photo of the portrait's face upsampled by ``scale``, centred on the eyes:
    the face fills the frame as in a phone photo taken for the clinic."""
    large = cv2.resize(portrait(1.0), None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    top = int(np.clip(380 * scale - 1512, 0, large.shape[0] - 3024))
    left = int(np.clip(790 * scale - 2016, 0, large.shape[1] - 4032))
    return np.ascontiguousarray(large[top:top + 3024, left:left + 4032])


if __name__ == "__main__":
    main()
