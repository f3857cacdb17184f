"""Public pages: the before/after gallery and share links. No login; every
request goes through the consent gate before any photo data is read."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from gallery import audit
from gallery.auth import token_sha256
from gallery.branding.service import only_clinic, served_logo, show_brand
from gallery.compare.service import pair_captions, render, side_of
from gallery.consent.gate import private_image, require
from gallery.db import get_db
from gallery.errors import NotFound
from gallery.extensions import limiter, public_limit
from gallery.models import Comparison, ShareLink, utcnow
from gallery.paging import page_number
from gallery.public.service import (
    compared_areas,
    count_views,
    gallery_page,
    public_half,
    public_image,
    shown_areas,
)
from gallery.regions import REGION_LABELS
from gallery.throttle import address_is_the_clients

bp = Blueprint("public", __name__)
# Anonymous and cheap now, but not free: a crawler or a flood is slowed per address, where the
# address is the client's (behind a trusted proxy); counted on a shared proxy's address, the limit
# would close the gallery for everyone.
limiter.limit(public_limit, exempt_when=lambda: not address_is_the_clients())(bp)


def _published(comparison_id: int) -> Comparison:
    comparison = get_db().get(Comparison, comparison_id)
    if comparison is None or comparison.published_at is None:
        raise NotFound("This case is not in the gallery.")
    return comparison


@bp.get("/gallery")
def gallery() -> str:
    region = request.args.get("region") or None
    if region is not None and region not in REGION_LABELS:
        raise NotFound(f"Unknown treatment region {region!r}.")
    page = gallery_page(region, page_number(request.args.get("page")))
    if (clinic := only_clinic()) is not None:
        show_brand(clinic)
    count_views(page.cases)
    return render_template("public/gallery.html", cases=page.cases, page=page, region=region,
                           region_labels=REGION_LABELS, regions_of=compared_areas)


@bp.get("/gallery/<id:comparison_id>")
def case(comparison_id: int) -> str:
    comparison = _published(comparison_id)
    consent = require(comparison.patient_id, "public")
    count_views([comparison])
    show_brand(comparison.clinic)
    return render_template("public/case.html", comparison=comparison, identifiable=consent.marketing_identifiable,
                           region_labels=REGION_LABELS, regions=compared_areas(comparison),
                           shown=shown_areas(comparison, consent.marketing_identifiable),
                           captions=pair_captions(comparison, month_only=True))


@bp.get("/gallery/<id:comparison_id>/image.png")
def case_image(comparison_id: int) -> Response:
    comparison = _published(comparison_id)
    consent = require(comparison.patient_id, "public")
    return private_image(public_image(comparison, consent), "image/png")


@bp.get("/gallery/<id:comparison_id>/<side>.png")
def case_half(comparison_id: int, side: str) -> Response:
    """One photo of the case for the page's slider: the same gate, form and watermark as the pair."""
    side = side_of(side)
    comparison = _published(comparison_id)
    consent = require(comparison.patient_id, "public")
    return private_image(public_half(comparison, consent, side), "image/png")


def _link(token: str) -> ShareLink:
    """A live link: known, not revoked, not expired (else "not found", always the same)."""
    link = get_db().scalar(select(ShareLink).where(ShareLink.token_sha256 == token_sha256(token)))
    if link is None or link.revoked_at is not None or link.expires_at <= utcnow():
        raise NotFound("This link is not valid: it may have expired or been withdrawn.")
    return link


@bp.get("/s/<token>")
def shared(token: str) -> str:
    link = _link(token)
    comparison = link.comparison
    require(comparison.patient_id, "share_link")
    audit.viewed("comparison", comparison.id, clinic_id=comparison.clinic_id, actor=f"link:{link.id}")
    show_brand(comparison.clinic)
    return render_template("public/shared.html", comparison=comparison, token=token, region_labels=REGION_LABELS,
                           expires_at=link.expires_at, captions=pair_captions(comparison))


@bp.get("/s/<token>/image.png")
def shared_image(token: str) -> Response:
    link = _link(token)
    comparison = link.comparison
    require(comparison.patient_id, "share_link")
    audit.viewed("comparison", comparison.id, clinic_id=comparison.clinic_id, actor=f"link:{link.id}")
    return private_image(render(comparison, "side"), "image/png")


@bp.get("/s/<token>/<side>.png")
def shared_half(token: str, side: str) -> Response:
    """One photo of the shared pair for the page's slider, behind the same checks as the pair."""
    side = side_of(side)
    link = _link(token)
    comparison = link.comparison
    require(comparison.patient_id, "share_link")
    audit.viewed("comparison", comparison.id, clinic_id=comparison.clinic_id, actor=f"link:{link.id}")
    return private_image(render(comparison, side, plain=True), "image/png")


@bp.get("/clinic-logo/<sha256>.png")
def clinic_logo(sha256: str) -> Response:
    """A clinic's logo, re-encoded at upload: no personal data, so cacheable; a new logo is a new URL."""
    response = Response(served_logo(sha256), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
