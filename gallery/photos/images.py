"""Image responses: private caching, ETags, re-encoded derivatives only.

Every route that sends photo bytes builds its response here, so the headers
(cache policy, ETag, nosniff, attachment for originals) are the same everywhere.
"""
from __future__ import annotations

from flask import Response, request

from gallery.errors import NotFound
from gallery.models import Photo
from gallery.photos.service import blob_store

VARIANTS = {"display": "image/jpeg", "thumb": "image/jpeg", "lines": "image/png"}


def image_response(photo: Photo, variant: str, *, cache: str = "private, no-cache") -> Response:
    """A derivative of ``photo`` (caller has checked access): display image,
    thumbnail, or the line-map overlay (staff views only)."""
    store = blob_store()
    if variant not in VARIANTS or not store.exists(photo.sha256, variant):
        raise NotFound(f"No {variant!r} image for this photo: use one of {', '.join(VARIANTS)}.")
    data = store.read(photo.sha256, variant)
    response = Response(data, mimetype=VARIANTS[variant])
    response.headers["Cache-Control"] = cache
    # The analysis version is part of the tag: a reanalysis redraws the overlay.
    response.set_etag(f"{photo.sha256[:32]}-{variant}-{photo.analysis_version}")
    return response.make_conditional(request)


def original_response(photo: Photo) -> Response:
    """The original bytes, as a download for staff (never rendered inline)."""
    data = blob_store().read(photo.sha256, "original")
    response = Response(data, mimetype=photo.content_type)
    extension = photo.content_type.split("/")[1].replace("jpeg", "jpg")
    response.headers["Content-Disposition"] = f'attachment; filename="photo-{photo.id}-original.{extension}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
