"""Injection-site templates: in their regions, symmetric, at their margins."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from landmarks import analyse
from landmarks.align import Similarity, align_photos
from landmarks.anatomy import FaceFrame
from landmarks.plan import (
    Margins,
    PlanGeometry,
    Site,
    map_sites,
    site_warnings,
    template_sites,
    totals,
)
from landmarks.regions import anatomical_outlines
from tests.images import astronaut


@pytest.fixture(scope="module")
def face():
    return astronaut(4.0)


@pytest.fixture(scope="module")
def analysis(face):
    return analyse(face)


@pytest.fixture(scope="module")
def geometry(analysis):
    return PlanGeometry.from_landmarks(analysis.landmarks, analysis.mm_per_px)


def test_label_template_counts_and_units(geometry):
    sites = template_sites(geometry)
    assert totals(sites) == {"glabella": 20.0, "forehead": 20.0, "crows_feet_right": 12.0, "crows_feet_left": 12.0,
                             "all": 64.0}


def test_sites_fall_inside_their_regions(analysis, geometry):
    outlines = anatomical_outlines(FaceFrame.from_landmarks(analysis.landmarks, analysis.mm_per_px), analysis.landmarks)
    for site in template_sites(geometry):
        inside = cv2.pointPolygonTest(outlines[site.region].astype(np.float32), (site.x, site.y), False)
        assert inside > 0, site


def test_sites_are_left_right_symmetric(analysis, geometry):
    frame = geometry.frame
    sites = template_sites(geometry)
    for region in ("glabella", "forehead"):
        points = frame.to_mm([[s.x, s.y] for s in sites if s.region == region])
        mirrored = points * (-1, 1)
        distances = np.min(np.linalg.norm(points[:, None] - mirrored[None], axis=2), axis=1)
        assert distances.max() < 3.0, (region, distances)  # mm; her face itself is not perfectly symmetric
    right = frame.to_mm([[s.x, s.y] for s in sites if s.region == "crows_feet_right"])
    left = frame.to_mm([[s.x, s.y] for s in sites if s.region == "crows_feet_left"])
    assert np.abs(right * (-1, 1) - left).max() < 4.0


@pytest.mark.parametrize("margins", [Margins(), Margins(forehead_above_brow_mm=25, glabella_above_brow_mm=12,
                                                          crows_feet_from_canthus_mm=18)])
def test_template_respects_margins_in_mm(geometry, margins):
    sites = template_sites(geometry, margins)
    assert site_warnings(geometry, sites, margins) == []
    frame = geometry.frame
    for site in sites:
        x, y = frame.to_mm([[site.x, site.y]])[0]
        if site.region == "forehead":
            assert y - geometry.brow_top_mm(x) >= margins.forehead_above_brow_mm
        if site.region.startswith("crows_feet"):
            canthus = geometry.outer_canthi_mm[1 if site.region.endswith("left") else 0]
            assert np.linalg.norm([x, y] - canthus) >= margins.crows_feet_from_canthus_mm


def test_site_moved_inside_a_margin_warns(geometry):
    sites = template_sites(geometry)
    forehead = next(i for i, s in enumerate(sites) if s.region == "forehead")
    x_mm, _ = geometry.frame.to_mm([[sites[forehead].x, sites[forehead].y]])[0]
    low = geometry.frame.to_px([[x_mm, geometry.brow_top_mm(x_mm) + 12]])[0]
    sites[forehead] = Site("forehead", float(low[0]), float(low[1]))
    lateral = next(i for i, s in enumerate(sites) if s.label.endswith("lateral"))
    lx, _ = geometry.frame.to_mm([[sites[lateral].x, sites[lateral].y]])[0]
    near = geometry.frame.to_px([[lx, geometry.brow_top_mm(lx) + 5]])[0]
    sites[lateral] = Site("glabella", float(near[0]), float(near[1]))
    crow = next(i for i, s in enumerate(sites) if s.region == "crows_feet_left")
    canthus = geometry.frame.to_px([geometry.outer_canthi_mm[1] + (8, 0)])[0]
    sites[crow] = Site("crows_feet_left", float(canthus[0]), float(canthus[1]))
    codes = sorted(w.code for w in site_warnings(geometry, sites))
    assert codes == ["crows_feet_margin", "forehead_margin", "glabella_margin"]


def test_totals_follow_edits():
    sites = [Site("glabella", 0, 0, 4), Site("glabella", 1, 1, 6), Site("forehead", 2, 2, 2.5)]
    assert totals(sites) == {"glabella": 10.0, "forehead": 2.5, "all": 12.5}
    assert totals([]) == {"all": 0}


def test_carry_over_under_a_known_transform_lands_within_a_pixel(face, analysis, geometry):
    matrix = cv2.getRotationMatrix2D((face.shape[1] / 2, face.shape[0] / 2), 7, 0.9)
    matrix[:, 2] += (30, -20)
    moved = cv2.warpAffine(face, matrix, face.shape[1::-1], borderMode=cv2.BORDER_REFLECT)
    other = analyse(moved)
    alignment = align_photos(moved, face, other.landmarks, analysis.landmarks, other.mm_per_px)
    to_new = alignment.after.then(alignment.before.inverse())  # old photo -> new photo
    sites = template_sites(geometry)
    carried = map_sites(sites, to_new)
    truth = Similarity(matrix).apply([[s.x, s.y] for s in sites])
    errors = np.linalg.norm(np.array([[s.x, s.y] for s in carried]) - truth, axis=1)
    assert errors.max() < 1.0, errors
    assert [s.units for s in carried] == [s.units for s in sites]
