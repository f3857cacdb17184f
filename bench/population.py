"""Regions and wrinkle index on a population of real faces (issue 29's figures).

Reads the development half of the Face Research Lab London Set (DeBruine and Jones
2017, figshare doi:10.6084/m9.figshare.5047666.v5, CC BY 4.0): 51 adults at rest
(``neutral/ID_03.jpg``) and smiling (``smiling/ID_08.jpg``), their ages (``info.csv``)
and 189 hand-placed points per at-rest photo (``ID_03.tem``). By default it is looked
for at ``../shared/faces/london`` beside the repository; ``--data DIR`` points
elsewhere. Download the set from the address above if you have neither (the at-rest
photos are ``*_03.jpg``, the smiling ones ``*_08.jpg``).

Prints, on the development half:

* forehead coverage: the share of the hand-marked forehead (skin between the
  brows' upper edge and the hairline, 4 mm in from both) that the forehead region
  measures, on faces whose forehead is not under a fringe; and the share of the
  region within 4 mm of that zone (how much of it lies off the forehead);
* how many at-rest photos have all four indices, and why the others do not;
* Spearman's correlation of each index with age, with a bootstrap 95 % interval;
* the share of people whose crow's-feet index (mean of both sides) is higher
  smiling than at rest;
* repeatability: each at-rest photo recaptured six times by small camera changes
  (shift, scale, roll, sensor noise, JPEG), the relative difference of every two
  readings of a region (median and 90th percentile over the 15 pairs of each
  face), and the 90th percentile of the change as the portal reads it beside the
  band it calls "about the same" (``landmarks.wrinkles.RECAPTURE_CHANGE``). Two
  recaptures gave one pair a face, whose 90th percentile was up to 9 points off
  the 15 pairs' (the right crow's feet 53 % against 44 %, at v12).

* against a blind rater per area (``bench/data/london_ratings.csv``): how the rater's own
  0-3 scores of visible lines follow age (what the photos hold for the eye), how
  the index follows the rater, and whether a smile raises the index where the
  rater sees more crow's feet smiling and where the rater sees none either way; and
  each area's median index beside the rater's mean score per ethnic group the set
  records (``face_eth``), to show how the index reads across skin;

and writes contact sheets of all 51 faces (regions, hand-marked forehead, line
maps) at rest and smiling for a person to look at.

The ratings were made by eye, blind to age and to the index, on crops of the
photos at their own resolution (forehead and glabella at rest; both eyes' outer
corners at rest and smiling), 0 none, 1 faint, 2 clear, 3 deep or many lines;
``smile_more`` says whether the smile shows more crow's feet than rest ("yes",
"no", or "same-none": none either way). One rater for the forehead and glabella,
one for the crow's feet: a guide, not a truth.

    python bench/population.py [--data DIR] [--sheet population.png]
"""
from __future__ import annotations

import argparse
import csv
import sys
import warnings
from dataclasses import dataclass
from itertools import combinations
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from scipy.stats import ConstantInputWarning, spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.london import BROWS_UPPER, DEFAULT_DATA, HAIRLINE, load_points, recapture, require  # noqa: E402
from bench.london import rgb as _rgb  # noqa: E402
from landmarks.analysis import Analysis, analyse  # noqa: E402
from landmarks.masks import polygon_mask  # noqa: E402
from landmarks.regions import REGION_NAMES  # noqa: E402
from landmarks.wrinkles import NO_LINES_BELOW, RECAPTURE_CHANGE, relative_change  # noqa: E402

RATINGS = Path(__file__).resolve().parent / "data" / "london_ratings.csv"
ZONE_INSET_MM = 4.0
# Foreheads under a fringe (hair lies across the hand-marked zone), by eye on the
# contact sheet of hand-marked zones: left out of the coverage figures only.
FRINGE = {"005", "030", "045", "092", "128", "141"}
BOOTSTRAP = 2000
RECAPTURES = 6  # per at-rest photo: 15 pairs of readings a face


@dataclass(frozen=True)
class Reading:
    """What the bench keeps of one analysis."""

    indices: dict[str, float]
    reasons: dict[str, str]
    coverage: float | None
    region_coverage: float | None
    precision: float | None
    forehead_cm2: float


def hand_forehead(points: np.ndarray) -> np.ndarray:
    """(N, 2) the hand-marked forehead's outline: brows' upper edge, then the hairline back."""
    return np.vstack([points[BROWS_UPPER], points[HAIRLINE][::-1]])


def _inset(mask: np.ndarray, mm: float, mm_per_px: float) -> np.ndarray:
    distance = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)
    return distance > mm / mm_per_px


def _forehead_figures(analysis: Analysis, points: np.ndarray | None) -> tuple[float | None, float | None,
                                                                            float | None, float]:
    """(coverage of the zone by measured skin, by the region's outline, share of the
    measured skin near the zone, measured cm²)."""
    region = analysis.regions.get("forehead")
    shape = (analysis.height, analysis.width)
    if region is None or not region.polygon:
        return (0.0, 0.0, None, 0.0) if points is not None else (None, None, None, 0.0)
    outline = polygon_mask(shape, region.polygon)
    measured = outline & analysis.measured_map
    cm2 = float(measured.sum()) * analysis.mm_per_px ** 2 / 100
    if points is None:
        return None, None, None, cm2
    zone = _inset(polygon_mask(shape, hand_forehead(points)), ZONE_INSET_MM, analysis.mm_per_px)
    near = ~_inset(~zone, ZONE_INSET_MM, analysis.mm_per_px)  # within 4 mm of the zone
    coverage = float((measured & zone).sum()) / max(1, int(zone.sum()))
    outline_coverage = float((outline & zone).sum()) / max(1, int(zone.sum()))
    precision = float((measured & near).sum()) / max(1, int(measured.sum()))
    return coverage, outline_coverage, precision, cm2


def read(rgb: np.ndarray, points: np.ndarray | None = None) -> tuple[Reading, Analysis]:
    analysis = analyse(rgb)
    reasons = {}
    for name in REGION_NAMES:
        if name not in analysis.lines:
            codes = [w.code for w in analysis.warnings if w.code.startswith(name)]
            reasons[name] = codes[0] if codes else (analysis.reason or "not measured")
    figures = _forehead_figures(analysis, points) if analysis.face_found else (None, None, None, 0.0)
    indices = {name: m.wrinkle_index for name, m in analysis.lines.items()}
    return Reading(indices, reasons, *figures), analysis


def _person(args: tuple[Path, str]) -> dict:
    data, face_id = args
    neutral = _rgb(data / "neutral" / f"{face_id}_03.jpg")
    points = load_points(data / "neutral" / f"{face_id}_03.tem")
    rest, rest_analysis = read(neutral, points)
    smile, smile_analysis = read(_rgb(data / "smiling" / f"{face_id}_08.jpg"))
    again = [read(recapture(neutral, seed))[0] for seed in range(1, RECAPTURES + 1)]
    return {"id": face_id, "rest": rest, "smile": smile, "again": again,
            "tiles": (_tile(neutral, rest_analysis, points), _tile(_rgb(data / "smiling" / f"{face_id}_08.jpg"),
                                                                  smile_analysis, None))}


COLOURS = {"forehead": (255, 200, 0), "glabella": (0, 220, 255), "crows_feet_left": (80, 255, 80),
           "crows_feet_right": (255, 80, 255)}
TILE_PX = 360


def _tile(rgb: np.ndarray, analysis: Analysis, points: np.ndarray | None) -> np.ndarray:
    """The face with its regions outlined, lines in red, the hand-marked forehead dashed white."""
    canvas = rgb.copy()
    if analysis.face_found and analysis.line_map is not None:
        canvas[analysis.line_map > 0] = (255, 0, 0)
        for name, region in analysis.regions.items():
            if region.polygon:
                cv2.polylines(canvas, [np.round(np.asarray(region.polygon)).astype(np.int32)], True, COLOURS[name], 2)
        if points is not None:
            outline = np.round(hand_forehead(points)).astype(np.int32)
            for start, end in zip(outline, np.roll(outline, -1, axis=0)):
                cv2.line(canvas, tuple(int(v) for v in start), tuple(int(v) for v in end), (255, 255, 255), 1)
        x, y, w, h = analysis.face_box
        side = max(w, h)
        cx, cy = x + w // 2, y + h // 2
        x0, y0 = max(0, cx - side // 2), max(0, cy - side // 2)
        canvas = canvas[y0:y0 + side, x0:x0 + side]
    return cv2.resize(canvas, (TILE_PX, TILE_PX), interpolation=cv2.INTER_AREA)


def _sheet(tiles: list[np.ndarray], labels: list[str], columns: int = 8) -> np.ndarray:
    rows = -(-len(tiles) // columns)
    sheet = np.full((rows * TILE_PX, columns * TILE_PX, 3), 40, np.uint8)
    for i, (tile, label) in enumerate(zip(tiles, labels)):
        r, c = divmod(i, columns)
        tile = tile.copy()
        cv2.putText(tile, label, (6, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2)
        sheet[r * TILE_PX:(r + 1) * TILE_PX, c * TILE_PX:(c + 1) * TILE_PX] = tile
    return sheet


def spearman(x: list[float], y: list[float]) -> float:
    """Spearman's rank correlation, tied values given their mean rank (SciPy): ages
    repeat (five people of 23, five of 24) and the rater's scores are mostly 0 or 1;
    ranking ties in the order they come made the rater's forehead score follow age
    at +0.28 where it does at +0.40."""
    with warnings.catch_warnings():  # a bootstrap draw of mostly-0 scores can be constant: NaN, left out
        warnings.simplefilter("ignore", ConstantInputWarning)
        return float(spearmanr(x, y).statistic)


def _with_interval(x: list[float], y: list[float]) -> str:
    rng = np.random.default_rng(0)
    x, y = np.asarray(x), np.asarray(y)
    draws = []
    for _ in range(BOOTSTRAP):
        pick = rng.integers(0, len(x), len(x))
        draws.append(spearman(list(x[pick]), list(y[pick])))
    low, high = np.nanpercentile(draws, [2.5, 97.5])
    return f"{spearman(list(x), list(y)):+.2f} (95 % CI {low:+.2f} to {high:+.2f}, n={len(x)})"


def _recapture_pairs(people: list[dict], name: str) -> list[tuple[float, float]]:
    """Every two recaptured readings of region ``name`` of each person, where both have an index."""
    pairs = []
    for p in people:
        readings = [again.indices.get(name) for again in p["again"]]
        pairs += [(a, b) for a, b in combinations(readings, 2) if a is not None and b is not None]
    return pairs


def _crows(indices: dict[str, float]) -> float | None:
    sides = [indices.get("crows_feet_left"), indices.get("crows_feet_right")]
    sides = [s for s in sides if s is not None]
    return float(np.mean(sides)) if sides else None


def _against_rater(people: list[dict], ages: dict[str, float | None]) -> None:
    """The figures against the blind rater's scores (see the module's docstring)."""
    with RATINGS.open() as handle:
        rated = {row["face_id"]: row for row in csv.DictReader(handle)}
    people = [p for p in people if p["id"] in rated]
    aged = [p for p in people if ages[p["id"]] is not None]
    print(f"\nAgainst a blind rater's 0-3 scores of visible lines ({len(people)} people, {RATINGS.name})")
    scores = {"forehead": lambda r: float(r["forehead"]), "glabella": lambda r: float(r["glabella"]),
              "crow's feet": lambda r: (float(r["crows_feet_right_rest"]) + float(r["crows_feet_left_rest"])) / 2}
    picks = {"forehead": lambda i: i.get("forehead"), "glabella": lambda i: i.get("glabella"), "crow's feet": _crows}
    for label, score in scores.items():
        with_age = _with_interval([ages[p["id"]] for p in aged], [score(rated[p["id"]]) for p in aged])
        pairs = [(score(rated[p["id"]]), picks[label](p["rest"].indices)) for p in people
                 if picks[label](p["rest"].indices) is not None]
        print(f"  {label} at rest: the rater's score with age {with_age}; "
              f"the index with the rater {spearman([a for a, _ in pairs], [b for _, b in pairs]):+.2f}")
    _by_group(people, rated, scores, picks)
    for label, wanted in (("sees more crow's feet smiling", {"yes"}), ("sees none either way or no more", {"no", "same-none"})):
        group = [p for p in people if rated[p["id"]]["smile_more"] in wanted]
        pairs = [(_crows(p["rest"].indices), _crows(p["smile"].indices)) for p in group]
        pairs = [(r, s) for r, s in pairs if r is not None and s is not None]
        print(f"  where the rater {label} ({len(group)} people): the smile raises the index in "
              f"{np.mean([s > r for r, s in pairs]):.0%}")


def _by_group(people: list[dict], rated: dict[str, dict], scores: dict, picks: dict) -> None:
    """Median index and mean rater score per ethnic group the set records (groups of 5 or more): the index is
    compared within a patient, and this shows how far apart the same rater's scores and the index read across
    skin (at v12 the glabella's relief read as frown lines on the Black faces, where the rater saw none)."""
    groups: dict[str, list[dict]] = {}
    for p in people:
        groups.setdefault(p["group"], []).append(p)
    print("  by the set's recorded ethnicity, median index (mean rater score):")
    for group, members in sorted(groups.items(), key=lambda item: -len(item[1])):
        if len(members) < 5:
            continue
        cells = []
        for label in scores:
            values = [v for p in members if (v := picks[label](p["rest"].indices)) is not None]
            rater = np.mean([scores[label](rated[p["id"]]) for p in members])
            cells.append(f"{label} {np.median(values):.1f} ({rater:.1f})")
        print(f"    {group} ({len(members)}): " + ", ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sheet", type=Path, default=Path("population.png"),
                        help="contact sheet at rest; the smiling one is written beside it (-smiling)")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    require(args.data)
    with (args.data / "info.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    ages = {row["face_id"]: None if row["face_age"] == "NA" else float(row["face_age"]) for row in rows}
    groups = {row["face_id"]: row["face_eth"].replace("_", " ") for row in rows}
    with Pool(args.processes) as pool:
        people = pool.map(_person, [(args.data, face_id) for face_id in sorted(ages)])
    for person in people:
        person["group"] = groups[person["id"]]

    known = [a for a in ages.values() if a is not None]
    print(f"{len(people)} people, ages {min(known):.0f}-{max(known):.0f} ({len(people) - len(known)} not given)\n")
    open_foreheads = [p for p in people if p["id"] not in FRINGE]
    coverage = np.array([p["rest"].coverage for p in open_foreheads])
    outline = np.array([p["rest"].region_coverage for p in open_foreheads])
    precision = np.array([p["rest"].precision or 0.0 for p in open_foreheads])
    area = np.array([p["rest"].forehead_cm2 for p in open_foreheads])
    print(f"Forehead, {len(open_foreheads)} foreheads without a fringe (left out: {', '.join(sorted(FRINGE))})")
    print(f"  coverage of the hand-marked zone: median {np.median(coverage):.0%} (target >= 90 %), "
          f"at least 80 % on {np.mean(coverage >= 0.8):.0%} of faces (target >= 85 %); "
          f"by the region's outline alone: median {np.median(outline):.0%}")
    print(f"  region within 4 mm of the zone: median {np.median(precision):.0%}, "
          f"at least 90 % on {np.mean(precision >= 0.9):.0%} of faces (target: >= 90 % of the region)")
    print(f"  measured forehead skin: median {np.median(area):.0f} cm²")
    worst = sorted(open_foreheads, key=lambda p: p["rest"].coverage)[:6]
    print("  lowest coverage: " + ", ".join(f"{p['id']} {p['rest'].coverage:.0%}" for p in worst))

    complete = [p for p in people if not p["rest"].reasons]
    print(f"\nAll four indices at rest: {len(complete)} of {len(people)} (target >= 49)")
    for p in people:
        if p["rest"].reasons:
            print(f"  {p['id']}: " + ", ".join(f"{k} ({v})" for k, v in p["rest"].reasons.items()))

    print("\nSpearman correlation with age (target forehead, crow's feet >= 0.35; glabella >= 0.30)")
    for label, pick in (("forehead", lambda i: i.get("forehead")), ("glabella", lambda i: i.get("glabella")),
                        ("crow's feet (mean of sides)", _crows)):
        pairs = [(ages[p["id"]], pick(p["rest"].indices)) for p in people
                 if pick(p["rest"].indices) is not None and ages[p["id"]] is not None]
        print(f"  {label}: {_with_interval([a for a, _ in pairs], [v for _, v in pairs])}")

    pairs = [(_crows(p["rest"].indices), _crows(p["smile"].indices)) for p in people]
    pairs = [(r, s) for r, s in pairs if r is not None and s is not None]
    raised = np.mean([s > r for r, s in pairs])
    print(f"\nSmiling raises the crow's-feet index in {raised:.0%} of {len(pairs)} people (target >= 85 %); "
          f"median ratio smile / rest {np.median([s / max(r, 1e-6) for r, s in pairs]):.2f}")

    print(f"\nRepeatability: {RECAPTURES} recaptures of each at-rest photo (shift, scale, roll, noise, JPEG),"
          " every two of them, |a - b| / mean")
    for name in REGION_NAMES:
        diffs = [abs(a - b) / ((a + b) / 2) for a, b in _recapture_pairs(people, name) if a + b > 0]
        print(f"  {name}: median {np.median(diffs):.1%}, 90th percentile {np.percentile(diffs, 90):.1%} "
              f"(n={len(diffs)})")
    print("  as the portal reads a change (after - before) / before, both ways, where before shows lines "
          f"(index >= {NO_LINES_BELOW}): 90th percentile, and the band read as \"about the same\"")
    for name in REGION_NAMES:
        changes = [abs(change) for a, b in _recapture_pairs(people, name)
                   for change in (relative_change(a, b), relative_change(b, a)) if change is not None]
        figure = f"{np.percentile(changes, 90):.0%} (n={len(changes)})" if changes else "no pair with lines"
        print(f"  {name}: {figure}; band {RECAPTURE_CHANGE[name]:.0%} (landmarks.wrinkles.RECAPTURE_CHANGE)")

    _against_rater(people, ages)

    labels = [f"{p['id']} age {ages[p['id']] or '?'}" for p in people]
    Image.fromarray(_sheet([p["tiles"][0] for p in people], labels)).save(args.sheet)
    smiling = args.sheet.with_name(args.sheet.stem + "-smiling" + args.sheet.suffix)
    Image.fromarray(_sheet([p["tiles"][1] for p in people], labels)).save(smiling)
    print(f"\nContact sheets: {args.sheet}, {smiling}")


if __name__ == "__main__":
    main()
