"""Recompute a stored photo's derivatives and analysis from its original."""
from __future__ import annotations

from gallery.models import Photo
from gallery.photos.service import blob_store, quality_limits, upload_limits
from landmarks.export import analysis_dict
from uploads.ingest import prepare


def reanalyze_photo(photo: Photo) -> None:
    """Re-run ingestion on the kept original; the caller commits."""
    store = blob_store()
    prepared = prepare(store.read(photo.sha256, "original"), upload_limits(), quality_limits())
    for variant, data in prepared.derivatives.items():
        store.replace(photo.sha256, variant, data)
    photo.width, photo.height = prepared.width, prepared.height
    photo.analysis = analysis_dict(prepared.analysis)
    photo.analysis_version = prepared.analysis.version
