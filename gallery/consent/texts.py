"""Versioned consent texts, of photo use and of toxin treatment alike.

A published text never changes: a change is a new version, so every signature
names the exact words the patient read. A clinic starts with a default version 1.
"""
from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select

from gallery import audit
from gallery.db import get_db
from gallery.errors import Conflict, InvalidInput
from gallery.models import ConsentText, TreatmentConsentText

Text = TypeVar("Text", ConsentText, TreatmentConsentText)


def published(model: type[Text], clinic_id: int, default: dict[str, str]) -> list[Text]:
    """The clinic's texts of ``model``, newest first; ``default`` is published as the first if none is."""
    db = get_db()
    texts = list(db.scalars(select(model).where(model.clinic_id == clinic_id)
                            .order_by(model.published_at.desc(), model.id.desc())))
    if not texts:
        texts = [model(clinic_id=clinic_id, **default)]
        db.add(texts[0])
        db.commit()
    return texts


def publish(model: type[Text], existing: list[Text], clinic_id: int, published_by_id: int, *, version: str,
            title: str, body: str, **extra: Any) -> Text:
    """Publish a new version after ``existing`` (audited; the caller commits).

    Refused (422) without a label, title and text; refused (409) when the label is taken.
    """
    version, title, body = version.strip(), title.strip(), body.strip()
    if not version or not title or not body or len(version) > 20 or len(title) > 200:
        raise InvalidInput("A new version needs a version label (up to 20 characters), a title and a text.")
    if any(t.version == version for t in existing):
        raise Conflict(f"Version {version} is published already; published texts never change. Use a new label.")
    text = model(clinic_id=clinic_id, version=version, title=title, body=body, published_by_id=published_by_id,
                 **extra)
    get_db().add(text)
    get_db().flush()
    audit.record("publish_text", "consent_text" if model is ConsentText else "treatment_consent_text", text.id)
    return text
