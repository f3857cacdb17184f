"""Injection plans: the saved plan, the carried-over one, or the label template.

Geometry (templates, margins, mapping sites between photos) is done in
``landmarks.plan``; this module reads and writes plans and adds the label's
visit-level safety checks (interval between treatments, units in 3 months).
"""
from __future__ import annotations

import secrets
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gallery import audit
from gallery.auth import current_user
from gallery.db import get_db
from gallery.signoff.service import require_unsigned
from gallery.stock.service import clinic_lot, lot_warnings
from gallery.errors import Conflict, InvalidInput, PlanChanged, PlanTagMissing
from gallery.models import InjectionPlan, Lot, Photo, PlanRevision, TreatmentRecord, Visit, utcnow
from gallery.photos.analysis import require_analysis
from gallery.photos.service import photo_pixels
from landmarks.align import align_photos
from landmarks.plan import (
    Margins,
    PlanGeometry,
    Site,
    guide_lines,
    map_sites,
    site_warnings,
    template_sites,
    totals,
)

MAX_UNITS_PER_SITE = 100
MAX_SITES = 60


def margins() -> Margins:
    config = current_app.config
    return Margins(forehead_above_brow_mm=config["GALLERY_FOREHEAD_MARGIN_MM"],
                   glabella_above_brow_mm=config["GALLERY_GLABELLA_MARGIN_MM"],
                   crows_feet_from_canthus_mm=config["GALLERY_CROWS_FEET_MARGIN_MM"])


def _geometry(photo: Photo) -> PlanGeometry:
    require_analysis(photo)
    if not photo.analysis.get("face_found"):
        raise InvalidInput("No face was found on this photo: choose another photo to plan on.")
    return PlanGeometry.from_landmarks(np.asarray(photo.analysis["landmarks"]), photo.analysis["mm_per_px"])


def _to_sites(rows: list[dict[str, Any]]) -> list[Site]:
    return [Site(region=r["region"], x=r["x"], y=r["y"], units=r["units"], label=r.get("label", ""),
                 note=r.get("note", "")) for r in rows]


def _rows(sites: list[Site], ids: list[str] | None = None) -> list[dict[str, Any]]:
    ids = ids or [secrets.token_hex(4) for _ in sites]
    return [{"id": i, "region": s.region, "x": s.x, "y": s.y, "units": s.units, "label": s.label, "note": s.note}
            for i, s in zip(ids, sites)]


def _carry(plan: InjectionPlan, photo: Photo) -> list[dict[str, Any]]:
    """The plan's sites moved from its photo onto ``photo`` by aligning the faces."""
    source = plan.photo
    alignment = align_photos(photo_pixels(photo), photo_pixels(source), np.asarray(photo.analysis["landmarks"]),
                             np.asarray(source.analysis["landmarks"]), photo.analysis["mm_per_px"])
    to_photo = alignment.after.then(alignment.before.inverse())
    moved = map_sites(_to_sites(plan.sites), to_photo)
    return _rows(moved, [row["id"] for row in plan.sites])


def saved_plan(visit_id: int) -> InjectionPlan | None:
    """The visit's saved plan, if it has one (a visit has at most one)."""
    return get_db().scalar(select(InjectionPlan).where(InjectionPlan.visit_id == visit_id))


def _previous_plan(visit: Visit) -> InjectionPlan | None:
    return get_db().scalar(select(InjectionPlan).join(Visit, InjectionPlan.visit_id == Visit.id)
                           .where(Visit.patient_id == visit.patient_id, Visit.visit_date < visit.visit_date)
                           .order_by(Visit.visit_date.desc()).limit(1))


def visit_warnings(visit: Visit, units_now: float) -> list[dict[str, str]]:
    """The label's checks across visits, against recorded treatments only (a plan that
    was never given is no treatment): interval and units within 3 months."""
    config = current_app.config
    interval = config["GALLERY_MIN_DAYS_BETWEEN_TREATMENTS"]
    window_units = config["GALLERY_MAX_UNITS_90_DAYS"]
    given = get_db().execute(select(Visit.visit_date, TreatmentRecord.total_units)
                             .join(TreatmentRecord, TreatmentRecord.visit_id == Visit.id)
                             .where(Visit.patient_id == visit.patient_id, Visit.id != visit.id,
                                    Visit.visit_date <= visit.visit_date)).all()
    warnings = []
    recent = [day for day, _ in given if (visit.visit_date - day).days < interval]
    if recent and units_now > 0:
        last = max(recent)
        warnings.append({"code": "treatment_interval", "message": (
            f"The previous treatment was {(visit.visit_date - last).days} days ago ({last:%d %b %Y}); "
            f"the label asks for at least {interval} days between treatments.")})
    window = units_now + sum(units for day, units in given if (visit.visit_date - day).days < 90)
    if window > window_units:
        warnings.append({"code": "units_90_days", "message": (
            f"{window:g} units within 3 months, over the label's cumulative limit of {window_units:g}.")})
    return warnings


PLAN_STARTS = ("previous", "template")


def plan_for_photo(photo: Photo, start: str | None = None) -> dict[str, Any]:
    """The plan shown on ``photo``: saved; else, on a first visit, the label template;
    else (a later visit, such as a two-week review) nothing until the injector starts
    from the last visit's plan or the template (``start``): a review visit has no
    plan to save, and nothing carried over is one click from being saved."""
    geometry = _geometry(photo)
    plan = saved_plan(photo.visit_id)
    product = lot = dilution = ""
    injector = lot_id = None
    previous = _previous_plan(photo.visit)
    if plan is not None:
        source = "saved"
        rows = plan.sites if plan.photo_id == photo.id else _carry(plan, photo)
        product, lot, dilution, lot_id = plan.product, plan.lot, plan.dilution, plan.lot_id
        injector = plan.injector.email if plan.injector else None
    elif previous is not None and start == "previous":
        source = "carried_over"
        rows = _carry(previous, photo)
        product, dilution = previous.product, previous.dilution  # the lot changes with each vial
    elif previous is None or start == "template":
        source = "template"
        rows = _rows(template_sites(geometry, margins(), units=current_app.config["GALLERY_DEFAULT_UNITS"]))
    else:
        source = "none"
        rows = []
    shaped = _shape(photo, geometry, rows, product, lot, dilution, injector, source, plan.revision if plan else 0,
                    lot_id=lot_id)
    shaped["previous_visit"] = previous.visit.visit_date.isoformat() if previous is not None else None
    return shaped


def _shape(photo: Photo, geometry: PlanGeometry, rows, product, lot, dilution, injector, source, revision, *,
           lot_id: int | None) -> dict:
    sites = _to_sites(rows)
    sums = totals(sites)
    warnings = [{"code": w.code, "message": w.message} for w in site_warnings(geometry, sites, margins())]
    warnings += visit_warnings(photo.visit, sums["all"])
    warnings += lot_warnings(get_db().get(Lot, lot_id) if lot_id else None, photo.visit.visit_date)
    m = margins()
    anchors: dict[str, list[float]] = {}
    for site in template_sites(geometry, m):
        anchors.setdefault(site.region, [site.x, site.y])
    return {
        "photo_id": photo.id, "visit_id": photo.visit_id, "saved": revision > 0, "revision": revision,
        "source": source,
        "sites": rows, "product": product, "lot": lot, "lot_id": lot_id, "dilution": dilution, "injector": injector,
        "totals": sums, "warnings": warnings, "guides": guide_lines(geometry, m), "anchors": anchors,
        "margins": {"forehead_above_brow_mm": m.forehead_above_brow_mm,
                    "glabella_above_brow_mm": m.glabella_above_brow_mm,
                    "crows_feet_from_canthus_mm": m.crows_feet_from_canthus_mm},
    }


def _site_row(site: dict[str, Any], number: int, photo: Photo) -> dict[str, Any]:
    """A stored site row from a validated ``PlanInput`` site; the photo bounds are checked here."""
    if not (site["x"] <= photo.width and site["y"] <= photo.height):
        raise InvalidInput(f"Site {number} lies outside the photo.")
    return {"id": site.get("id") or secrets.token_hex(4), "region": site["region"], "x": round(site["x"], 1),
            "y": round(site["y"], 1), "units": round(site["units"], 2), "label": site["label"],
            "note": (site["note"] or "").strip()}


def plan_etag(visit_id: int, revision: int) -> str:
    """The plan's entity tag: its visit and how many times it was saved (0: never)."""
    return f'"plan-{visit_id}-r{revision}"'


def _stale(plan: InjectionPlan | None) -> PlanChanged:
    who = plan.injector.email if plan and plan.injector else "someone"
    when = f" at {plan.updated_at:%H:%M} UTC" if plan else ""
    return PlanChanged(f"{who} saved this plan{when} since you opened it (revision {plan.revision if plan else 0}). "
                       "Reload to see their version, then make your change again.")


def save_plan(photo: Photo, body: dict[str, Any], if_match: str | None) -> dict[str, Any]:
    """Store the plan of ``photo``'s visit, drawn on ``photo``; ``body`` is a loaded ``PlanInput``.

    ``if_match`` must be the ETag the editor started from: a save made from an older copy
    is refused (412), never silently replacing someone else's. Every save is kept as a
    revision; two saves racing past the check collide on the revision number instead.
    """
    require_unsigned(photo.visit)
    if photo.visit.treatment is not None:
        raise Conflict(f"The treatment of this visit was recorded at {photo.visit.treatment.given_at:%d %b %Y %H:%M} "
                       "from this plan, so the plan no longer changes. If the record is wrong, withdraw it first.")
    if not if_match:
        raise PlanTagMissing("Send If-Match with the plan's ETag (from GET), so no one else's save is overwritten.")
    geometry = _geometry(photo)
    rows = [_site_row(site, number, photo) for number, site in enumerate(body["sites"], start=1)]
    db = get_db()
    plan = saved_plan(photo.visit_id)
    if if_match.strip() != plan_etag(photo.visit_id, plan.revision if plan else 0):
        raise _stale(plan)
    if plan is None:
        plan = InjectionPlan(clinic_id=photo.clinic_id, visit_id=photo.visit_id, photo_id=photo.id, sites=[], revision=0)
        db.add(plan)
    plan.photo_id = photo.id
    plan.sites = rows
    plan.product, plan.lot, plan.dilution = ((body[key] or "").strip() for key in ("product", "lot", "dilution"))
    plan.lot_id = None
    if body.get("lot_id") is not None:  # from stock: its names, as they stand, go with the plan
        stock_lot = clinic_lot(photo.clinic_id, body["lot_id"])
        plan.lot_id, plan.product, plan.lot = stock_lot.id, stock_lot.product.name, stock_lot.lot_number
    plan.injector_id = current_user().id
    plan.updated_at = utcnow()
    plan.revision += 1
    try:
        db.flush()
        db.add(PlanRevision(clinic_id=plan.clinic_id, plan_id=plan.id, revision=plan.revision, photo_id=photo.id,
                            product=plan.product, lot=plan.lot, lot_id=plan.lot_id, dilution=plan.dilution, sites=rows,
                            injector_id=plan.injector_id, saved_at=plan.updated_at))
        db.flush()
    except IntegrityError:  # another save of the same revision won the race
        db.rollback()
        raise _stale(saved_plan(photo.visit_id)) from None
    audit.record("edit_plan", "visit", photo.visit_id)
    db.commit()
    return _shape(photo, geometry, rows, plan.product, plan.lot, plan.dilution, current_user().email, "saved",
                  plan.revision, lot_id=plan.lot_id)


def plan_revisions(photo: Photo) -> list[PlanRevision]:
    """Every saved state of the plan of ``photo``'s visit, newest first."""
    return list(get_db().scalars(select(PlanRevision).join(InjectionPlan, PlanRevision.plan_id == InjectionPlan.id)
                                 .where(InjectionPlan.visit_id == photo.visit_id)
                                 .order_by(PlanRevision.revision.desc())))
