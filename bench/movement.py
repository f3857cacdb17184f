"""Muscle movement on real faces (issue 30's figures).

Reads the development half of the Face Research Lab London Set (DeBruine and Jones
2017, figshare doi:10.6084/m9.figshare.5047666.v5, CC BY 4.0; see ``bench/london.py``),
at ``../shared/faces/london`` beside the repository or ``--data DIR``, and prints:

(a) the refined brow's upper edge against the hand-placed one on all 51 at-rest
    photos: distance (mm, through each photo's iris scale) from each hand-placed
    upper-edge point (72-75, 78-81) to the refined outline, median and 90th
    percentile, beside the same for the mesh's own upper-brow curve;
(b) known movements: at-rest photos with the brows moved by ``tests/warps.py``
    (lift 0, 2, 4, 6 mm; heads approached 1, 2, 3 mm; heads lowered 1, 2, 3 mm), the error of each side's
    reading (target within 0.5 mm); and with the lower lids lifted by ``narrow_eyes`` (1, 2, 3 mm),
    each eye's narrowing read as smile;
(c) null movement: two recaptures of each at-rest photo (crop, shift, scale,
    roll, noise, JPEG) read as raise and frown: the largest figure per pair
    (target below 0.5 mm); and read as smile: each eye's narrowing and lower lid lift;
(d) the share of people whose eye opening narrows smiling against rest (target
    at least 90 %).

    python bench/movement.py [--data DIR] [--faces 8] [--parts abcd]
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import london  # noqa: E402
from landmarks.anatomy import LEFT_BROW_UPPER, RIGHT_BROW_UPPER  # noqa: E402
from landmarks.brows import upper_brow_edges  # noqa: E402
from landmarks.mesh import Mesh, detect_faces  # noqa: E402
from landmarks.movement import measure_movement  # noqa: E402
from landmarks.scale import mm_per_px  # noqa: E402
from tests.warps import move_brows, narrow_eyes  # noqa: E402

# Hand-placed upper edge per side of the patient, tail to head (README of the set).
HAND_UPPER = {"right": [72, 73, 74, 75], "left": [81, 80, 79, 78]}
MESH_UPPER = {"right": RIGHT_BROW_UPPER, "left": LEFT_BROW_UPPER}
LIFTS_MM = (0.0, 2.0, 4.0, 6.0)
APPROACHES_MM = (1.0, 2.0, 3.0)
DESCENTS_MM = (1.0, 2.0, 3.0)
NARROWINGS_MM = (1.0, 2.0, 3.0)


def to_polyline(point: np.ndarray, polyline: np.ndarray) -> float:
    """Distance (px) from ``point`` to the nearest point of ``polyline`` (N, 2)."""
    a, b = polyline[:-1], polyline[1:]
    ab = b - a
    t = np.clip(np.sum((point - a) * ab, axis=1) / np.maximum(np.sum(ab * ab, axis=1), 1e-12), 0, 1)
    return float(np.min(np.linalg.norm(point - (a + t[:, None] * ab), axis=1)))


def mesh_of(image: np.ndarray) -> Mesh:
    faces = detect_faces(image, symmetric=True).faces
    if not faces:
        raise RuntimeError("no face found in a London photo")
    return faces[0]


def brow_edges(data: Path, ids: list[str]) -> None:
    refined, mesh, by_point = [], [], {k: [] for k in range(4)}
    for face_id in ids:
        image, points = london.neutral(data, face_id), london.neutral_points(data, face_id)
        xy = mesh_of(image).xy
        scale = mm_per_px(xy)
        edges = upper_brow_edges(image, xy, scale)
        for side, hand in HAND_UPPER.items():
            for k, index in enumerate(hand):
                distance = to_polyline(points[index], edges[side].outline) * scale
                refined.append(distance)
                by_point[k].append(distance)
                mesh.append(to_polyline(points[index], xy[list(MESH_UPPER[side])]) * scale)
    print(f"(a) Brow upper edge, {len(ids)} at-rest photos, {len(refined)} hand-placed points (72-75, 78-81),"
          " distance to the outline in mm (iris scale)")
    print(f"  refined: median {np.median(refined):.2f} mm, 90th percentile {np.percentile(refined, 90):.2f} mm"
          " (target <= 0.7, <= 1.2)")
    print(f"  mesh only: median {np.median(mesh):.2f} mm, 90th percentile {np.percentile(mesh, 90):.2f} mm")
    names = ("lateral (72, 81)", "centre (73, 80)", "medial (74, 79)", "head corner (75, 78)")
    print("  refined by point: " + "; ".join(f"{name} median {np.median(by_point[k]):.2f}, "
                                            f"p90 {np.percentile(by_point[k], 90):.2f}"
                                            for k, name in enumerate(names)))


def known_movements(data: Path, ids: list[str]) -> None:
    lift_errors, approach_errors, descent_errors, narrowing_errors, seconds = [], [], [], [], []
    print(f"\n(b) Known movements on {len(ids)} faces ({', '.join(ids)}), error per side in mm (measured - true)")
    for face_id in ids:
        image = london.neutral(data, face_id)
        rest = mesh_of(image)
        scale = mm_per_px(rest.xy)
        for lift in LIFTS_MM:
            moved = move_brows(image, rest.xy, scale, lift_mm=lift)
            start = time.perf_counter()
            reading = measure_movement(image, moved, "raise", rest_mesh=rest)
            seconds.append(time.perf_counter() - start)
            for figure in reading.figures:
                error = np.nan if figure.value_mm is None else figure.value_mm - lift
                lift_errors.append((lift, figure.side, figure.position, error))
        for approach in APPROACHES_MM:
            moved = move_brows(image, rest.xy, scale, approach_mm=approach)
            reading = measure_movement(image, moved, "frown", rest_mesh=rest)
            for side in ("right", "left"):
                figure = reading.figure("brow_head_approach", side)
                error = np.nan if figure.value_mm is None else figure.value_mm - approach / 2
                descent = reading.figure("brow_head_descent", side).value_mm
                approach_errors.append((approach, side, error, descent))
        for descent in DESCENTS_MM:
            moved = move_brows(image, rest.xy, scale, descent_mm=descent)
            reading = measure_movement(image, moved, "frown", rest_mesh=rest)
            for side in ("right", "left"):
                figure = reading.figure("brow_head_descent", side)
                error = np.nan if figure.value_mm is None else figure.value_mm - descent
                approach = reading.figure("brow_head_approach", side).value_mm
                descent_errors.append((descent, side, error, approach))
        for narrowing in NARROWINGS_MM:
            reading = measure_movement(image, narrow_eyes(image, rest.xy, scale, narrowing), "smile", rest_mesh=rest)
            for side in ("right", "left"):
                figure = reading.figure("eye_opening_narrowing", side)
                narrowing_errors.append((narrowing, side, np.nan if figure.value_mm is None
                                         else figure.value_mm - narrowing))
    for lift in LIFTS_MM:
        for side in ("right", "left"):
            errors = np.array([e for t, s, _, e in lift_errors if t == lift and s == side])
            print(f"  lift {lift:.0f} mm, {side}: {_errors(errors)} (head, centre, tail; "
                  f"{np.isnan(errors).sum()} withheld)")
    _print_frown(approach_errors, APPROACHES_MM, lambda mm: f"heads approached {mm:.0f} mm ({mm / 2:.1f} mm each)",
                 "descent")
    _print_frown(descent_errors, DESCENTS_MM, lambda mm: f"heads lowered {mm:.0f} mm", "approach")
    for narrowing in NARROWINGS_MM:
        for side in ("right", "left"):
            errors = np.array([e for t, s, e in narrowing_errors if t == narrowing and s == side])
            print(f"  lower lid lifted {narrowing:.0f} mm, {side} eye's narrowing: {_errors(errors)} "
                  f"({np.isnan(errors).sum()} withheld)")
    print(f"  time per pair (rest mesh given): median {np.median(seconds):.2f} s")


def _errors(errors: np.ndarray) -> str:
    """Mean, worst and the share within 0.5 mm of a warp's errors (NaN: withheld)."""
    return (f"mean error {np.nanmean(errors):+.2f}, worst |error| {np.nanmax(np.abs(errors)):.2f}, "
            f"within 0.5 mm {np.mean(np.abs(errors) <= 0.5):.0%}")


def _print_frown(readings: list[tuple], amounts: tuple[float, ...], label: Callable[[float], str],
                 other: str) -> None:
    """Per frown warp and side: the error of the figure warped (``readings``: amount, side, error,
    the other figure, whose true value is 0) and the largest reading of that other figure."""
    for amount in amounts:
        for side in ("right", "left"):
            rows = [(e, o) for t, s, e, o in readings if t == amount and s == side]
            errors = np.array([e for e, _ in rows])
            print(f"  {label(amount)}, {side}: {_errors(errors)}; {other} read (true 0) worst "
                  f"{np.nanmax(np.abs([o for _, o in rows])):.2f}")


def reframed(image: np.ndarray, seed: int) -> np.ndarray:
    """A recapture (``london.recapture``) cropped to 85-95 % of the frame, off centre."""
    rng = np.random.default_rng(seed + 100)
    height, width = image.shape[:2]
    share = rng.uniform(0.85, 0.95)
    h, w = int(height * share), int(width * share)
    top, left = rng.integers(0, height - h + 1), rng.integers(0, width - w + 1)
    return london.recapture(image, seed)[top:top + h, left:left + w].copy()


def null_movement(data: Path, ids: list[str]) -> None:
    largest, withheld = [], 0
    smile = {"eye_opening_narrowing": [], "lower_lid_lift": []}
    for face_id in ids:
        image = london.neutral(data, face_id)
        first, second = reframed(image, 1), reframed(image, 2)
        for expression in ("raise", "frown"):
            reading = measure_movement(first, second, expression)
            values = [abs(f.value_mm) for f in reading.figures if f.value_mm is not None]
            withheld += sum(f.value_mm is None for f in reading.figures)
            if values:
                largest.append(max(values))
        reading = measure_movement(first, second, "smile")
        for figure in reading.figures:
            if figure.value_mm is not None:
                smile[figure.name].append(figure.value_mm)
    largest = np.array(largest)
    print(f"\n(c) Null movement: two reframed recaptures of each at-rest photo, read as raise and frown "
          f"({len(largest)} readings, {withheld} figures withheld)")
    print(f"  largest |figure| per reading: median {np.median(largest):.2f} mm, 90th percentile "
          f"{np.percentile(largest, 90):.2f} mm, max {largest.max():.2f} mm; below 0.5 mm in "
          f"{np.mean(largest < 0.5):.0%} (target: all)")
    for name, values in smile.items():
        values = np.abs(values)
        print(f"  read as smile, {name} per eye ({len(values)} read): median |figure| {np.median(values):.2f} mm, "
              f"90th percentile {np.percentile(values, 90):.2f} mm, max {values.max():.2f} mm")


def smiles(data: Path, ids: list[str]) -> None:
    narrowing, lift, reasons, spread = [], [], {}, []
    eyes, eye_reasons = [], {}
    for face_id in ids:
        reading = measure_movement(london.neutral(data, face_id), london.smiling(data, face_id), "smile")
        if reading.withheld:
            reasons[face_id] = reading.withheld
            continue
        sides = [reading.figure("eye_opening_narrowing", side).value_mm for side in ("right", "left")]
        narrowing.append(np.mean(sides))
        spread += [reading.figure("eye_opening_narrowing", side).uncertainty_mm for side in ("right", "left")]
        lifts = [reading.figure("lower_lid_lift", side).value_mm for side in ("right", "left")]
        for side in ("right", "left"):
            figure = reading.figure("lower_lid_lift", side)
            if figure.value_mm is None:
                eye_reasons[figure.withheld] = eye_reasons.get(figure.withheld, 0) + 1
            else:
                eyes.append(figure.value_mm)
        lift.append(np.nanmean([v for v in lifts if v is not None]) if any(v is not None for v in lifts) else np.nan)
    narrowing = np.array(narrowing)
    print(f"\n(d) Smiling against rest, {len(ids)} people ({len(reasons)} pairs withheld"
          + (": " + ", ".join(f"{k} {v}" for k, v in reasons.items()) if reasons else "") + ")")
    print(f"  eye opening narrows (mean of both eyes > 0) in {np.mean(narrowing > 0):.0%} of {len(narrowing)} measured pairs; "
          f"counting withheld pairs as not narrowing: {np.sum(narrowing > 0) / len(ids):.0%} (target >= 90 %); "
          f"median narrowing {np.median(narrowing):.2f} mm, its uncertainty (re-run copies) median "
          f"{np.median(spread):.2f} mm")
    lift = np.array(lift)
    lift = lift[~np.isnan(lift)]
    eyes = np.array(eyes)
    print(f"  lower lid / cheek lift per eye: {len(eyes)} read, withheld "
          + (", ".join(f"{count} {reason}" for reason, count in eye_reasons.items()) or "none")
          + f"; median {np.median(eyes):.2f} mm, positive in {np.mean(eyes > 0):.0%} of those read, "
          f"below -1 mm in {np.sum(eyes < -1)}")
    print(f"  per person (mean of the eyes read): median {np.median(lift):.2f} mm, positive in "
          f"{np.mean(lift > 0):.0%} of {len(lift)} people with a reading")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=london.DEFAULT_DATA)
    parser.add_argument("--faces", type=int, default=8, help="faces for the known movements (b)")
    parser.add_argument("--parts", default="abcd", help="which figures to print, e.g. 'bc'")
    args = parser.parse_args()
    london.require(args.data)
    ids = list(london.ages(args.data))
    if "a" in args.parts:
        brow_edges(args.data, ids)
    if "b" in args.parts:
        known_movements(args.data, ids[::max(1, len(ids) // args.faces)][:args.faces])
    if "c" in args.parts:
        null_movement(args.data, ids)
    if "d" in args.parts:
        smiles(args.data, ids)


if __name__ == "__main__":
    main()
