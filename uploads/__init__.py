"""Ingestion and storage of photos: validate bytes, decode, orient, derive, store.

No Flask here: callers pass limits and a ``BlobStore``; failures raise
``uploads.errors.UploadError`` subclasses carrying a stable ``code`` and a
human message.
"""
