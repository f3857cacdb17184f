"""Injection-site templates placed from landmarks, safety margins and guide lines.

Positions follow the onabotulinumtoxinA label and common teaching, in the
face frame (mm, see ``FaceFrame``) so they scale with the face:

* glabella, 5 sites: procerus on the midline between the brow heads; each
  corrugator twice, medially above the inner canthus at the brow head, and
  laterally at the mid-pupillary line at least ``glabella_above_brow_mm``
  (label: 1 cm) above the central brow, against brow and lid ptosis;
* forehead, 5 sites in a row along the frontalis, at least
  ``forehead_above_brow_mm`` (teaching: 2 cm, a finger's breadth or more)
  above the brows and within the temporal lines (the brow tails);
* crow's feet, 3 sites per side on an arc ``crows_feet_from_canthus_mm``
  (1.5-2 cm) from the lateral canthus, outside the orbital rim.

Every margin is a parameter; a site moved inside one gets a warning.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from landmarks.anatomy import (
    LEFT_EYE_INNER,
    LEFT_EYE_OUTER,
    LEFT_IRIS_CENTRE,
    RIGHT_EYE_INNER,
    RIGHT_EYE_OUTER,
    RIGHT_IRIS_CENTRE,
    FaceFrame,
    height_at,
    upper_brow_mm,
)
from landmarks.quality import Warning
from landmarks.regions import REGION_NAMES

DEFAULT_UNITS = 4.0
LATERAL_CORRUGATOR_PUPIL = 0.8
CROWS_FEET_ANGLES_DEG = (30.0, 0.0, -30.0)  # about 1 cm apart along the arc


@dataclass(frozen=True)
class Margins:
    """Safety distances in mm; all configurable."""

    forehead_above_brow_mm: float = 20.0
    glabella_above_brow_mm: float = 10.0
    crows_feet_from_canthus_mm: float = 15.0


@dataclass(frozen=True)
class Site:
    """An injection site: position in image pixels, region, toxin units."""

    region: str
    x: float
    y: float
    units: float = DEFAULT_UNITS
    label: str = ""
    note: str = ""


@dataclass(frozen=True)
class PlanGeometry:
    """What the templates and checks need from one photo's analysis."""

    frame: FaceFrame
    brow_mm: npt.NDArray[np.float64]            # (10, 2) upper brow points, face mm, sorted by x
    pupils_mm: npt.NDArray[np.float64]          # (2, 2) patient's right, left
    inner_canthi_mm: npt.NDArray[np.float64]    # (2, 2)
    outer_canthi_mm: npt.NDArray[np.float64]    # (2, 2)
    temporal_x_mm: tuple[float, float] = field(default=(0.0, 0.0))  # right (negative), left

    @classmethod
    def from_landmarks(cls, xy: npt.NDArray[np.float64], mm_per_px: float) -> "PlanGeometry":
        frame = FaceFrame.from_landmarks(xy, mm_per_px)
        brow = upper_brow_mm(frame, xy)
        return cls(
            frame=frame, brow_mm=brow,
            pupils_mm=frame.to_mm(xy[[RIGHT_IRIS_CENTRE, LEFT_IRIS_CENTRE]]),
            inner_canthi_mm=frame.to_mm(xy[[RIGHT_EYE_INNER, LEFT_EYE_INNER]]),
            outer_canthi_mm=frame.to_mm(xy[[RIGHT_EYE_OUTER, LEFT_EYE_OUTER]]),
            temporal_x_mm=(float(brow[0, 0]), float(brow[-1, 0])),
        )

    def brow_top_mm(self, x_mm: float) -> float:
        """Height of the upper brow edge at ``x_mm`` (held flat beyond the brow ends)."""
        return height_at(self.brow_mm, x_mm)


def _site(geometry: PlanGeometry, region: str, x_mm: float, y_mm: float, label: str, units: float) -> Site:
    x, y = geometry.frame.to_px([[x_mm, y_mm]])[0]
    return Site(region=region, x=round(float(x), 1), y=round(float(y), 1), units=units, label=label)


def template_sites(geometry: PlanGeometry, margins: Margins = Margins(), *, units: float = DEFAULT_UNITS,
                   regions: tuple[str, ...] = REGION_NAMES) -> list[Site]:
    """The default sites of the label templates for ``regions``, in image pixels."""
    g, sites = geometry, []
    if "glabella" in regions:
        heads_y = g.brow_mm[[len(g.brow_mm) // 2 - 1, len(g.brow_mm) // 2], 1].mean()
        sites.append(_site(g, "glabella", 0.0, heads_y - 2.0, "procerus", units))
        for side, index in (("right", 0), ("left", 1)):
            inner_x = g.inner_canthi_mm[index, 0]
            sites.append(_site(g, "glabella", inner_x, g.brow_top_mm(inner_x) + 2.0, f"corrugator {side}, medial", units))
            # Just medial of the mid-pupillary line, the corrugator's lateral end.
            lateral_x = LATERAL_CORRUGATOR_PUPIL * g.pupils_mm[index, 0]
            sites.append(_site(g, "glabella", lateral_x,
                               g.brow_top_mm(lateral_x) + margins.glabella_above_brow_mm + 1.0,
                               f"corrugator {side}, lateral", units))
    if "forehead" in regions:
        reach = min(1.2 * abs(g.pupils_mm[:, 0]).mean(), min(-g.temporal_x_mm[0], g.temporal_x_mm[1]) - 5.0)
        for fraction in (-1.0, -0.5, 0.0, 0.5, 1.0):
            x = fraction * reach
            sites.append(_site(g, "forehead", x, g.brow_top_mm(x) + margins.forehead_above_brow_mm + 2.0,
                               "frontalis", units))
    for side, index, lateral in (("right", 0, -1.0), ("left", 1, 1.0)):
        if f"crows_feet_{side}" not in regions:
            continue
        canthus = g.outer_canthi_mm[index]
        radius = margins.crows_feet_from_canthus_mm + 2.0
        for angle in np.radians(CROWS_FEET_ANGLES_DEG):
            sites.append(_site(g, f"crows_feet_{side}", canthus[0] + lateral * radius * np.cos(angle),
                               canthus[1] + radius * np.sin(angle), "orbicularis oculi", units))
    return sites


def site_warnings(geometry: PlanGeometry, sites: list[Site], margins: Margins = Margins()) -> list[Warning]:
    """A warning for each site inside a safety margin."""
    g, warnings = geometry, []
    for number, site in enumerate(sites, start=1):
        x_mm, y_mm = g.frame.to_mm([[site.x, site.y]])[0]
        above_brow = y_mm - g.brow_top_mm(x_mm)
        if site.region == "forehead" and above_brow < margins.forehead_above_brow_mm:
            warnings.append(Warning("forehead_margin", (
                f"Site {number} (forehead) is {above_brow:.0f} mm above the brow, under the "
                f"{margins.forehead_above_brow_mm:.0f} mm margin: risk of brow ptosis.")))
        elif site.region == "glabella":
            # The central brow: from halfway between the inner canthus and the pupil outwards.
            lateral = abs(x_mm) > (abs(g.inner_canthi_mm[:, 0]).mean() + abs(g.pupils_mm[:, 0]).mean()) / 2
            if lateral and above_brow < margins.glabella_above_brow_mm:
                warnings.append(Warning("glabella_margin", (
                    f"Site {number} (glabella) is {above_brow:.0f} mm above the central brow; the label asks for at "
                    f"least {margins.glabella_above_brow_mm:.0f} mm: risk of lid ptosis.")))
        elif site.region.startswith("crows_feet"):
            index = 1 if site.region.endswith("left") else 0
            distance = float(np.linalg.norm(np.array([x_mm, y_mm]) - g.outer_canthi_mm[index]))
            if distance < margins.crows_feet_from_canthus_mm:
                warnings.append(Warning("crows_feet_margin", (
                    f"Site {number} (crow's feet) is {distance:.0f} mm from the outer eye corner, inside the "
                    f"{margins.crows_feet_from_canthus_mm:.0f} mm margin: stay outside the orbital rim.")))
    return warnings


def guide_lines(geometry: PlanGeometry, margins: Margins = Margins()) -> dict[str, list[list[float]]]:
    """Polylines (image pixels) drawn at each margin, for the injector's eye."""
    g = geometry
    xs = np.linspace(g.temporal_x_mm[0], g.temporal_x_mm[1], 25)
    forehead = [[x, g.brow_top_mm(x) + margins.forehead_above_brow_mm] for x in xs]
    lines = {"forehead": forehead}
    for side, index, lateral in (("right", 0, -1.0), ("left", 1, 1.0)):
        pupil_x = g.pupils_mm[index, 0]
        xs_side = np.linspace(pupil_x - 8, pupil_x + 8, 5)
        lines[f"glabella_{side}"] = [[x, g.brow_top_mm(x) + margins.glabella_above_brow_mm] for x in xs_side]
        angles = np.radians(np.linspace(-60, 60, 13))
        canthus = g.outer_canthi_mm[index]
        lines[f"crows_feet_{side}"] = [[canthus[0] + lateral * margins.crows_feet_from_canthus_mm * np.cos(a),
                                        canthus[1] + margins.crows_feet_from_canthus_mm * np.sin(a)] for a in angles]
    return {name: np.round(g.frame.to_px(points), 1).tolist() for name, points in lines.items()}


def map_sites(sites: list[Site], transform) -> list[Site]:
    """Sites moved by a ``Similarity`` (e.g. last visit's photo -> this photo)."""
    if not sites:
        return []
    moved = transform.apply([[s.x, s.y] for s in sites])
    return [Site(region=s.region, x=round(float(x), 1), y=round(float(y), 1), units=s.units, label=s.label,
                 note=s.note) for s, (x, y) in zip(sites, moved)]


def totals(sites: list[Site]) -> dict[str, float]:
    """Units per region and for the whole plan (``all``)."""
    result: dict[str, float] = {}
    for site in sites:
        result[site.region] = round(result.get(site.region, 0.0) + site.units, 2)
    result["all"] = round(sum(site.units for site in sites), 2)
    return result
