"""The public gallery's stored images and per-day view counts.

A published case's image is rendered once (watermarked, dates by month,
de-identified unless the patient chose otherwise) and kept as a blob, so an
anonymous crowd costs a read, not an alignment and a render per request. The
consent gate still runs on every request; the stored image is made again when
the patient's identifiable choice changed since, or when it is of an older form
(``PUBLIC_IMAGE_FORM``), before it is served.

De-identified means the treated skin alone (``landmarks.deidentify``): a case
whose areas show too little skin for that is taken out of the gallery, with a
note to the staff on its comparison page.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from gallery import audit
from gallery.compare.service import (
    SIDES,
    deidentified_areas,
    render,
    render_deidentified,
    render_deidentified_side,
    side_of,
)
from gallery.consent.gate import permitted
from gallery.auth import current_user
from gallery.consent.records import EffectiveConsent, effective_consent
from gallery.db import get_db
from gallery.errors import Conflict, NotFound
from gallery.models import Clinic, Comparison, Photo, PublicView, utcnow
from gallery.photos.service import blob_store
from gallery.regions import REGION_LABELS
from uploads.store import sha256_hex

CASES_PER_PAGE = 24
_BATCH = 200  # published cases judged a time

VARIANT = "public"
# 1: the whole aligned pair with a bar over the eyes (recognised by a face recogniser);
# 2: de-identified cases show the treated skin alone;
# 3: each photo of the pair is kept on its own as well, for the case page's slider.
PUBLIC_IMAGE_FORM = 3
# The halves are kept beside the pair's blob, under its sha256, so that they come and go with
# it (``check-store`` keeps every variant of a public image's sha256).
HALF_VARIANTS = {"before": "publicbefore", "after": "publicafter"}


def check_publishable(comparison: Comparison, consent: EffectiveConsent) -> None:
    """Refuse (409) what the patient's marketing consent does not allow to be shown."""
    if not consent.allows("marketing"):
        raise Conflict("The patient has not given marketing consent: this case cannot be published.")
    if comparison.crop == "face" and not consent.marketing_identifiable:
        raise Conflict("A whole-face comparison shows the nose, mouth and the face's outline: it is published only "
                       "with consent to be recognisable. Publish an upper-face comparison: de-identified, it shows "
                       "the treated skin alone.")


def shown_areas(comparison: Comparison, identifiable: bool) -> list[str]:
    """The areas a public image of ``comparison`` shows, top to bottom when de-identified;
    all of them when identifiable."""
    if identifiable:
        return list(comparison.result["regions"])
    return deidentified_areas(comparison)


def render_public_image(comparison: Comparison, consent: EffectiveConsent) -> bytes:
    """Render and store the public image of ``comparison`` (the caller commits).

    Raises ``NotShowable`` (409) when it is to be de-identified and no area shows enough skin.
    """
    watermark = get_db().get(Clinic, comparison.clinic_id).name
    if consent.marketing_identifiable:
        data = render(comparison, "side", mark=watermark, month_only=True)
        halves = {side: render(comparison, side, mark=watermark, month_only=True, plain=True) for side in SIDES}
    else:
        data = render_deidentified(comparison, REGION_LABELS, mark=watermark)
        halves = {side: render_deidentified_side(comparison, side, mark=watermark) for side in SIDES}
    sha256 = sha256_hex(data)
    for side, half in halves.items():  # before the pair: a stored pair promises its halves
        blob_store().put(sha256, HALF_VARIANTS[side], half)
    blob_store().put(sha256, VARIANT, data)
    comparison.public_image_sha256 = sha256
    comparison.public_image_identifiable = consent.marketing_identifiable
    comparison.public_image_form = PUBLIC_IMAGE_FORM
    return data


def _current(comparison: Comparison, consent: EffectiveConsent) -> bool:
    return bool(comparison.public_image_sha256) and comparison.public_image_form == PUBLIC_IMAGE_FORM \
        and comparison.public_image_identifiable == consent.marketing_identifiable


def refresh_public_image(comparison: Comparison, consent: EffectiveConsent) -> bytes | None:
    """Make a published case's image again if it is not of the current form and choice.

    Returns the new image, or None when it was current already; a case that can no longer be
    shown as its consent asks is unpublished, with the reason in ``public_note`` (and the audit
    log), and None is returned. Commits.
    """
    if _current(comparison, consent):
        return None
    try:
        check_publishable(comparison, consent)
        data = render_public_image(comparison, consent)
    except Conflict as refusal:
        comparison.published_at = comparison.public_image_sha256 = None
        comparison.public_note = (f"Taken out of the gallery on {utcnow():%d %b %Y}: {refusal.message}")[:300]
        audit.record("unpublish", "comparison", comparison.id, clinic_id=comparison.clinic_id, actor="system")
        get_db().commit()
        return None
    get_db().commit()
    return data


def public_image(comparison: Comparison, consent: EffectiveConsent) -> bytes:
    """The stored public image, made again (and stored) when missing or not current."""
    if _current(comparison, consent):
        try:
            return blob_store().read(comparison.public_image_sha256, VARIANT)
        except FileNotFoundError:
            comparison.public_image_sha256 = None
    data = refresh_public_image(comparison, consent)
    if data is None:
        raise NotFound("This case is not in the gallery.")
    return data


def public_half(comparison: Comparison, consent: EffectiveConsent, side: str) -> bytes:
    """One photo of a published case (``side``: "before" or "after"), as its public image shows
    it: made again with the pair when missing or not current."""
    variant = HALF_VARIANTS[side_of(side)]
    if _current(comparison, consent):
        try:
            return blob_store().read(comparison.public_image_sha256, variant)
        except FileNotFoundError:
            comparison.public_image_sha256 = None  # made again below, halves and pair together
    if refresh_public_image(comparison, consent) is None:
        raise NotFound("This case is not in the gallery.")
    return blob_store().read(comparison.public_image_sha256, variant)


def count_views(comparisons: Iterable[Comparison]) -> None:
    """One more anonymous view today of each of ``comparisons``, in one statement (a gallery page
    of 24 cases once made up to 48 statements): an insert that adds to today's row where it exists."""
    today = utcnow().date()
    rows = [{"clinic_id": c.clinic_id, "comparison_id": c.id, "day": today, "views": 1} for c in comparisons]
    if not rows:
        return
    db = get_db()
    insert = postgresql_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(PublicView).values(rows)
    db.execute(statement.on_conflict_do_update(index_elements=["comparison_id", "day"],
                                               set_={"views": PublicView.views + 1}))
    db.commit()


def compared_areas(comparison: Comparison) -> list[str]:
    """The areas whose change a case shows (its figures were measured on both photos)."""
    return [name for name, r in comparison.result["regions"].items() if r.get("change_pct") is not None]


@dataclass(frozen=True)
class CasePage:
    """A page of the public gallery: its cases, its number, whether another follows."""

    cases: list[Comparison]
    number: int
    has_next: bool


def gallery_page(region: str | None, number: int) -> CasePage:
    """Page ``number`` (``CASES_PER_PAGE`` a page) of the published cases the public may see now,
    newest first, showing ``region`` when given.

    Consent is judged at request time, a batch of cases at a time in two queries (it was
    two per case), and the photos' dates come with the batch: nothing is loaded per case.
    """
    db = get_db()
    # Of the photos, the page shows the dates alone (their summaries were most of the page's time).
    statement = (select(Comparison).where(Comparison.published_at.is_not(None))
                 .order_by(Comparison.published_at.desc(), Comparison.id.desc())
                 .options(selectinload(Comparison.before).load_only(Photo.taken_at),
                          selectinload(Comparison.after).load_only(Photo.taken_at)))
    skip, shown, offset = (number - 1) * CASES_PER_PAGE, [], 0
    while len(shown) <= CASES_PER_PAGE:
        # As many as the page still needs (most are allowed), up to _BATCH: every case read parses
        # its figures (6 KB of JSON), and reading 200 for a page of 24 took 100 ms at a chain's size.
        size = min(_BATCH, skip + CASES_PER_PAGE + 1 - len(shown))
        batch = db.scalars(statement.limit(size).offset(offset)).all()
        if not batch:
            break
        allowed = permitted({c.patient_id for c in batch}, "public")
        for case in batch:
            if case.patient_id in allowed and (region is None or region in compared_areas(case)):
                if skip:
                    skip -= 1
                else:
                    shown.append(case)
        if len(batch) < size:
            break  # the last published case was in this batch
        offset += size
    return CasePage(cases=shown[:CASES_PER_PAGE], number=number, has_next=len(shown) > CASES_PER_PAGE)


def views(comparison_id: int) -> int:
    """All anonymous views of a case so far."""
    return sum(get_db().scalars(select(PublicView.views).where(PublicView.comparison_id == comparison_id)))


def publish_comparison(comparison: Comparison) -> None:
    """Into the public gallery, as the patient's marketing consent allows (409 otherwise)."""
    consent = effective_consent(comparison.patient_id)
    check_publishable(comparison, consent)
    render_public_image(comparison, consent)  # once, here: the gallery serves the stored bytes
    comparison.public_note = None
    comparison.published_at = comparison.published_at or utcnow()
    comparison.published_by_id = current_user().id
    audit.record("publish", "comparison", comparison.id)
    get_db().commit()
