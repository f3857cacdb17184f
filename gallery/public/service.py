"""The public gallery's stored images and per-day view counts.

A published case's image is rendered once (watermarked, dates by month,
de-identified unless the patient chose otherwise) and kept as a blob, so an
anonymous crowd costs a read, not an alignment and a render per request. The
consent gate still runs on every request; the stored image is re-made only if
the patient's identifiable choice changed since.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gallery.compare.service import render
from gallery.consent.records import EffectiveConsent
from gallery.db import get_db
from gallery.models import Clinic, Comparison, PublicView, utcnow
from gallery.photos.service import blob_store
from uploads.store import sha256_hex

VARIANT = "public"


def render_public_image(comparison: Comparison, consent: EffectiveConsent) -> bytes:
    """Render and store the public image of ``comparison`` (the caller commits)."""
    watermark = get_db().get(Clinic, comparison.clinic_id).name
    data = render(comparison, "side", mark=watermark, month_only=True, deidentify=not consent.marketing_identifiable)
    sha256 = sha256_hex(data)
    blob_store().put(sha256, VARIANT, data)
    comparison.public_image_sha256 = sha256
    comparison.public_image_identifiable = consent.marketing_identifiable
    return data


def public_image(comparison: Comparison, consent: EffectiveConsent) -> bytes:
    """The stored public image, re-made (and stored) when missing or made for another choice."""
    if comparison.public_image_sha256 and comparison.public_image_identifiable == consent.marketing_identifiable:
        try:
            return blob_store().read(comparison.public_image_sha256, VARIANT)
        except FileNotFoundError:
            pass
    data = render_public_image(comparison, consent)
    get_db().commit()
    return data


def count_views(comparisons: Iterable[Comparison]) -> None:
    """One more anonymous view today of each of ``comparisons``, in one commit (a gallery page
    shows many cases: one transaction, not one per case)."""
    db = get_db()
    today = utcnow().date()
    for comparison in comparisons:
        bump = update(PublicView).where(PublicView.comparison_id == comparison.id, PublicView.day == today) \
            .values(views=PublicView.views + 1)
        if db.execute(bump).rowcount == 0:
            try:
                with db.begin_nested():
                    db.add(PublicView(clinic_id=comparison.clinic_id, comparison_id=comparison.id, day=today,
                                      views=1))
            except IntegrityError:  # another request made today's row first
                db.execute(bump)
    db.commit()


def views(comparison_id: int) -> int:
    """All anonymous views of a case so far."""
    return sum(get_db().scalars(select(PublicView.views).where(PublicView.comparison_id == comparison_id)))
