"""Backup and restore of the embedded setup: the SQLite database, the photo folder, the secret key.

A backup is consistent while the app runs: the database is copied with SQLite's
online backup (one snapshot, writers carry on), then the photo folder. Blobs are
written before the row that names them is committed and never change in place,
so every photo in the snapshot has its files in the copy; at worst the copy
holds a few blobs of uploads that committed after the snapshot.

PostgreSQL and S3 have their own tools (``pg_dump``, bucket versioning or
``aws s3 sync``); the README gives the commands.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from gallery.db import get_db
from gallery.models import Clinic, Photo
from uploads.store import BlobStore

DATABASE, BLOBS, SECRET, MANIFEST = "gallery.sqlite3", "blobs", "secret_key", "backup.json"


class BackupError(Exception):
    """Why a backup or restore cannot run; nothing was changed."""


def _embedded(app: Flask) -> tuple[Path, Path]:
    url = app.config["DATABASE_URL"]
    store = app.extensions["gallery_store"]
    if not url.startswith("sqlite:///") or not isinstance(store, BlobStore):
        raise BackupError("backup and restore cover SQLite and a photo folder; for PostgreSQL and S3 use "
                          "pg_dump/pg_restore and your bucket's versioning or 'aws s3 sync' (see the README).")
    return Path(url[len("sqlite:///"):]), store.root


def backup(app: Flask, destination: Path) -> dict[str, int]:
    """Copy database, photos and secret key into ``destination`` (new or empty)."""
    database, blobs = _embedded(app)
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty: back up into a new folder.")
    destination.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(database) as source, sqlite3.connect(destination / DATABASE) as copy:
        source.backup(copy)
    if blobs.exists():
        shutil.copytree(blobs, destination / BLOBS)
    shutil.copy2(Path(app.config["GALLERY_DATA_DIR"]) / SECRET, destination / SECRET)
    with sqlite3.connect(destination / DATABASE) as copy:
        photos = copy.execute("SELECT count(*) FROM photos").fetchone()[0]
    files = sum(1 for path in (destination / BLOBS).rglob("*") if path.is_file()) if blobs.exists() else 0
    manifest = {"photos": photos, "files": files}
    (destination / MANIFEST).write_text(json.dumps(manifest))
    return manifest


def restore(app: Flask, source: Path) -> dict[str, int]:
    """Put a backup into this app's data directory, which must hold no clinic and no photo yet."""
    database, blobs = _embedded(app)
    if not (source / DATABASE).is_file() or not (source / MANIFEST).is_file():
        raise BackupError(f"{source} is not a backup made by 'flask --app app backup'.")
    db = get_db()
    if db.scalar(select(func.count(Clinic.id))) or db.scalar(select(func.count(Photo.id))) or (
            blobs.exists() and any(path.is_file() for path in blobs.rglob("*"))):
        raise BackupError("This data directory already holds data: restore into an empty one.")
    db.close()
    app.extensions["gallery_engine"].dispose()
    with sqlite3.connect(source / DATABASE) as backup_db, sqlite3.connect(database) as live:
        backup_db.backup(live)
    if (source / BLOBS).exists():
        shutil.copytree(source / BLOBS, blobs, dirs_exist_ok=True)
    shutil.copy2(source / SECRET, Path(app.config["GALLERY_DATA_DIR"]) / SECRET)
    return json.loads((source / MANIFEST).read_text())
