"""Creating comparisons and rendering their images."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from flask import current_app

from gallery import audit
from gallery.auth import current_user
from gallery.db import get_db
from gallery.errors import InvalidInput, NotFound, NotShowable
from gallery.models import Comparison, Photo
from gallery.photos.analysis import require_analysis
from gallery.photos.service import photo_pixels
from gallery.queries import clinic_get
from gallery.routing import MAX_RECORD_ID
from landmarks.align import (
    CROPS,
    Similarity,
    align_photos,
    match_exposure,
    stable_mask,
    warp,
)
from landmarks.compare import PairTolerance, pair_warnings
from landmarks.compose import footer, side_by_side, single, watermark
from landmarks.deidentify import AreaCut, compose_areas, compose_column, cut_area, shown_skin
from landmarks.expression import ExpressionMeasures
from landmarks.pose import Pose
from landmarks.quality import Warning
from landmarks.wrinkles import inside_repeatability, relative_change
from uploads.derive import encode_png

LAYOUTS = ("side", "before", "after")
SIDES = ("before", "after")


def _pose(photo: Photo) -> Pose:
    pose = photo.analysis["pose"]
    return Pose(yaw_deg=pose["yaw"], pitch_deg=pose["pitch"], roll_deg=pose["roll"])


def _change_pct(before: float | None, after: float | None) -> float | None:
    change = relative_change(before, after)
    return None if change is None else round(change * 100, 1)


def _no_change_reason(before: dict[str, Any], after: dict[str, Any], same_standard: bool) -> str:
    """Why a region's change is not given, in the words its row shows."""
    for side, region in (("before", before), ("after", after)):
        if region.get("wrinkle_index") is None:
            return f"not measured {side}: {region.get('not_measured') or 'no index'}"
    if not same_standard:
        return "measured by different methods: analyse both photos again"
    return "no lines to compare before"


def relative_changes(comparison: Comparison) -> dict[str, float]:
    """Each region's change, (after - before) / before, where the comparison gives one."""
    return {name: region["change_pct"] / 100 for name, region in comparison.result["regions"].items()
            if region.get("change_pct") is not None}


def inside_repeatability_regions(comparison: Comparison) -> set[str]:
    """The regions whose change is smaller than two photos seconds apart differ by: not a change."""
    return {name for name, change in relative_changes(comparison).items() if inside_repeatability(change, name)}


def measured_alike(before: Photo, after: Photo) -> bool:
    """Whether two photos' wrinkle indices were measured by the same method and standard:
    indices of different ones are never set against each other."""
    return before.analysis.get("measurement_standard") == after.analysis.get("measurement_standard")


def _tolerance() -> PairTolerance:
    return PairTolerance(pose_deg=current_app.config["GALLERY_PAIR_POSE_TOLERANCE_DEG"])


def _treated_between(before: Photo, after: Photo) -> bool:
    """Whether a treatment was given after ``before`` was taken and before ``after`` (a treated
    visit's photos are taken before the injection, so its own day counts)."""
    return any(visit.treated and before.taken_at.date() <= visit.visit_date < after.taken_at.date()
               for visit in before.patient.visits)


def compare_photos(before: Photo, after: Photo, crop: str) -> dict[str, Any]:
    """Align two analysed photos and measure the change; the ``result`` of a Comparison."""
    if crop not in CROPS:
        raise InvalidInput(f"crop must be one of {', '.join(CROPS)}.")
    for photo in (before, after):
        require_analysis(photo)
        if not photo.analysis.get("face_found"):
            raise InvalidInput(f"Photo {photo.id} has no face found: it cannot be aligned.")
    before_xy = np.asarray(before.analysis["landmarks"])
    after_xy = np.asarray(after.analysis["landmarks"])
    alignment = align_photos(photo_pixels(before), photo_pixels(after), before_xy, after_xy,
                             before.analysis["mm_per_px"], crop)
    warnings: list[Warning] = pair_warnings(
        before.expression, after.expression, _pose(before), _pose(after),
        ExpressionMeasures(**before.analysis["expression_measures"]),
        ExpressionMeasures(**after.analysis["expression_measures"]), alignment.residual_mm, _tolerance(),
        treated_between=_treated_between(before, after))
    regions = {}
    outlines: dict[str, dict[str, list]] = {"before": {}, "after": {}}
    # Indices measured by different methods or at different standards: the change is
    # left out and the pair says why.
    same_standard = measured_alike(before, after)
    if not same_standard:
        warnings.append(Warning("measurement_standard_differs",
                                "The two photos' wrinkle indices were measured by different methods or at different "
                                "resolutions, so no change is given; re-analyse both photos (flask reanalyze)."))
    for name in before.analysis["regions"]:
        b = before.analysis["regions"][name]
        a = after.analysis["regions"].get(name, {})
        change = _change_pct(b.get("wrinkle_index"), a.get("wrinkle_index")) if same_standard else None
        regions[name] = {"before": b.get("wrinkle_index"), "after": a.get("wrinkle_index"), "change_pct": change,
                         "reason": None if change is not None else _no_change_reason(b, a, same_standard)}
        for side, transform, region in (("before", alignment.before, b), ("after", alignment.after, a)):
            if region.get("polygon"):
                outlines[side][name] = np.round(transform.apply(region["polygon"]), 1).tolist()
    return {
        "crop": crop,
        "size": list(CROPS[crop]["size"]),
        "before_transform": alignment.before.matrix.tolist(),
        "after_transform": alignment.after.matrix.tolist(),
        "residual_mm": alignment.residual_mm,
        "residual_px": alignment.residual_px,
        "regions": regions,
        "outlines": outlines,
        "warnings": [{"code": w.code, "message": w.message} for w in warnings],
    }


def create_comparison(before_id: int, after_id: int, *, crop: str = "upper",
                      exposure_matched: bool = False) -> Comparison:
    before, after = clinic_get(Photo, before_id), clinic_get(Photo, after_id)
    if before.patient_id != after.patient_id:
        raise InvalidInput("Both photos must be of the same patient.")
    if before.id == after.id:
        raise InvalidInput("Choose two different photos.")
    db = get_db()
    user = current_user()
    comparison = Comparison(clinic_id=before.clinic_id, patient_id=before.patient_id, before_photo_id=before.id,
                            after_photo_id=after.id, crop=crop, exposure_matched=exposure_matched,
                            result=compare_photos(before, after, crop),
                            created_by_id=user.id if user else None)
    db.add(comparison)
    db.flush()
    audit.record("create", "comparison", comparison.id)
    db.commit()
    return comparison


def days_since_treatment(comparison: Comparison) -> int | None:
    """Days from the latest treated visit on or before the before photo to the after photo."""
    visits = [v for v in comparison.before.patient.visits
              if v.treated and v.visit_date <= comparison.before.taken_at.date()]
    if not visits:
        return None
    treated_on = max(v.visit_date for v in visits)
    return (comparison.after.taken_at.date() - treated_on).days


def _warped(comparison: Comparison, side: str) -> np.ndarray:
    photo = comparison.before if side == "before" else comparison.after
    return warp(photo_pixels(photo), Similarity(np.asarray(comparison.result[f"{side}_transform"])),
                comparison.result["crop"])


def aligned_photo(comparison: Comparison, side: str) -> np.ndarray:
    """One photo of the pair in the canonical frame, warping only that one (a slider's page asks
    for each half on its own); the after photo exposure-matched needs the before photo too."""
    if side == "after" and comparison.exposure_matched:
        return aligned_pair(comparison)[1]
    return _warped(comparison, side)


def aligned_pair(comparison: Comparison) -> tuple[np.ndarray, np.ndarray]:
    """Both photos in the canonical frame (the after photo exposure-matched if asked)."""
    crop = comparison.result["crop"]
    before, after = _warped(comparison, "before"), _warped(comparison, "after")
    if comparison.exposure_matched:
        mask = stable_mask(np.asarray(comparison.before.analysis["landmarks"]),
                           Similarity(np.asarray(comparison.result["before_transform"])), crop)
        after = match_exposure(after, before, mask)
    return before, after


def _caption(photo: Photo, role: str, month_only: bool) -> tuple[str, str]:
    when = photo.taken_at.strftime("%B %Y" if month_only else "%d %b %Y")
    return f"{role}", f"{when} - {photo.expression}"


def side_of(value: str) -> str:
    """``value`` as one photo of a pair ("before" or "after"); anything else is "not found"."""
    if value not in SIDES:
        raise NotFound("Unknown image.")
    return value


@dataclass(frozen=True)
class PairCaptions:
    """The words under an aligned pair, set as page text (readable on a phone) rather than
    drawn into the pixels, where a 960 px image shown 330 px wide left them about 5 px high."""

    before: str
    after: str
    before_when: str
    after_when: str
    after_days: str | None  # "14 days after treatment"; None when dates go no finer than the month


def pair_captions(comparison: Comparison, *, month_only: bool = False) -> PairCaptions:
    """Captions for ``comparison``: full dates and days after treatment, or (``month_only``, for the
    public) the months alone, as the public image's own labels were."""
    date_format = "%B %Y" if month_only else "%d %b %Y"
    days = None if month_only else days_since_treatment(comparison)
    after_days = None
    if days is not None:
        after_days = "the day of treatment" if days == 0 else \
            f"{days} day{'' if days == 1 else 's'} after treatment"
    return PairCaptions(before="Before",
                        after="After (exposure matched)" if comparison.exposure_matched else "After",
                        before_when=comparison.before.taken_at.strftime(date_format),
                        after_when=comparison.after.taken_at.strftime(date_format), after_days=after_days)


def treated_areas(comparison: Comparison) -> list[str]:
    """The areas outlined in both photos of ``comparison``, in the order regions are listed."""
    outlines = comparison.result["outlines"]
    return [name for name in outlines["before"] if name in outlines["after"]]


def deidentified_areas(comparison: Comparison) -> list[str]:
    """The areas a de-identified image of ``comparison`` shows, in its order (top to bottom): the
    treated areas with enough skin (``area_cuts`` without cutting, from the outlines alone)."""
    outlines = comparison.result["outlines"]
    width, height = comparison.result["size"]
    return [name for name in treated_areas(comparison)
            if shown_skin((height, width), outlines["before"][name], outlines["after"][name]) is not None]


def area_cuts(comparison: Comparison) -> list[AreaCut]:
    """Each treated area's skin cut out of both aligned photos; areas too small to show are left out."""
    before, after = aligned_pair(comparison)
    outlines = comparison.result["outlines"]
    cuts = (cut_area(name, before, after, outlines["before"][name], outlines["after"][name])
            for name in treated_areas(comparison))
    return [cut for cut in cuts if cut is not None]


def render_deidentified(comparison: Comparison, titles: dict[str, str], *, mark: str | None = None) -> bytes:
    """PNG of the treated skin alone, area by area, dated by the month (see ``landmarks.deidentify``).

    Raises ``NotShowable`` when no area shows enough skin.
    """
    cuts = area_cuts(comparison)
    if not cuts:
        raise NotShowable("No treated area of this comparison shows enough skin to be shown without the face.")
    image, _ = compose_areas(cuts, titles, "Before, " + comparison.before.taken_at.strftime("%B %Y"),
                             "After, " + comparison.after.taken_at.strftime("%B %Y"), mark=mark)
    return encode_png(image)


def render_deidentified_side(comparison: Comparison, side: str, *, mark: str | None = None) -> bytes:
    """PNG of one photo's treated skin alone, area under area, without text: the half of a
    de-identified case that a page's slider lays over the other (see ``compose_column``).

    Raises ``NotShowable`` when no area shows enough skin.
    """
    cuts = area_cuts(comparison)
    if not cuts:
        raise NotShowable("No treated area of this comparison shows enough skin to be shown without the face.")
    image, _ = compose_column(cuts, side_of(side), mark=mark)
    return encode_png(image)


def render(comparison: Comparison, layout: str, *, mark: str | None = None, month_only: bool = False,
           plain: bool = False, branded: bool = False) -> bytes:
    """PNG of the aligned comparison: both side by side, or one of them, labelled
    (``plain``: one photo without its label bar, for a page's slider, which sets the captions
    as text; ``month_only``: dates no finer than the month; ``branded``: the clinic's name in a
    footer band below, for a download that leaves the app)."""
    if layout not in LAYOUTS:
        raise InvalidInput(f"layout must be one of {', '.join(LAYOUTS)}.")
    if plain and layout != "side":
        image = aligned_photo(comparison, layout)
        return encode_png(watermark(image, mark) if mark else image)
    before, after = aligned_pair(comparison)
    after_role = "After (exposure matched)" if comparison.exposure_matched else "After"
    days = days_since_treatment(comparison)
    if days is not None and not month_only:
        after_role += f", day {days}"
    labels = {"before": _caption(comparison.before, "Before", month_only),
              "after": _caption(comparison.after, after_role, month_only)}
    if layout == "side":
        image = side_by_side(before, after, labels["before"], labels["after"], mark=mark)
    else:
        image = single(before if layout == "before" else after, labels[layout], mark=mark)
    return encode_png(footer(image, comparison.clinic.name) if branded else image)


def parse_photo_id(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit() \
            or not 1 <= int(value) <= MAX_RECORD_ID:
        raise InvalidInput(f"'{field}' must be a photo id (an integer from 1 to {MAX_RECORD_ID}).")
    return int(value)
