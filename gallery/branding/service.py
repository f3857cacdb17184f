"""Clinic branding: the name and optional logo an admin sets, and where pages find them.

The logo is stored re-encoded (``uploads.logo``) in the photo store as the blob
``(sha256, "logo")`` and served at a URL naming its sha256, so a new logo is a new
URL and the old one may be cached for a day without going stale. Emails carry the
clinic's name only: they are plain text, and a remote image in a message would
tell its sender when it was opened.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, request, url_for
from sqlalchemy import func, select

from gallery import audit
from gallery.db import get_db
from gallery.errors import InvalidInput, NotFound
from gallery.models import Clinic
from gallery.photos.service import blob_store
from gallery.portal.session import current_account
from uploads.logo import prepare_logo
from uploads.store import sha256_hex

MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class Brand:
    """What a page header shows: the clinic's name and its logo's URL (None without a logo)."""

    name: str
    logo_url: str | None


def brand_of(clinic: Clinic) -> Brand:
    logo = url_for("public.clinic_logo", sha256=clinic.logo_sha256) if clinic.logo_sha256 else None
    return Brand(clinic.name, logo)


def show_brand(clinic: Clinic) -> None:
    """Put ``clinic``'s name and logo in this page's header (public pages name their clinic so)."""
    g.brand_clinic = clinic


def only_clinic() -> Clinic | None:
    """The clinic of a one-clinic installation (the usual case), whose name the public gallery wears."""
    if get_db().scalar(select(func.count(Clinic.id))) != 1:
        return None
    return get_db().scalar(select(Clinic))


def page_brand() -> Brand | None:
    """The brand of this request's page: set by the view, else the signed-in patient's clinic."""
    clinic = g.get("brand_clinic")
    if clinic is None and request.blueprint in ("portal", "portal_consent"):
        account = current_account()
        clinic = account.patient.clinic if account is not None else None
    return brand_of(clinic) if clinic is not None else None


def logo_bytes(clinic: Clinic) -> bytes | None:
    return blob_store().read(clinic.logo_sha256, "logo") if clinic.logo_sha256 else None


def update_branding(clinic: Clinic, *, name: str, logo: bytes | None, remove_logo: bool) -> None:
    """Rename the clinic and replace or remove its logo (audited; the caller commits).

    A bad logo file raises an ``UploadError`` (4xx with its reason) before anything changes.
    """
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME_CHARS:
        raise InvalidInput(f"Give the clinic's name (up to {MAX_NAME_CHARS} characters).")
    if logo:
        png = prepare_logo(logo, max_bytes=current_app.config["GALLERY_LOGO_MAX_KB"] * 1024)
        sha256 = sha256_hex(png)
        blob_store().put(sha256, "logo", png)  # written before the row names it
        clinic.logo_sha256 = sha256
    elif remove_logo:
        clinic.logo_sha256 = None  # the blob is an orphan now, for `check-store --fix` to remove
    clinic.name = name
    audit.record("branding", "clinic", clinic.id)


def served_logo(sha256: str) -> bytes:
    """The logo blob a clinic uses now; NotFound for any other name (no blob is served by guess)."""
    if len(sha256) != 64 or get_db().scalar(select(Clinic.id).where(Clinic.logo_sha256 == sha256)) is None:
        raise NotFound("No clinic has this logo.")
    return blob_store().read(sha256, "logo")
