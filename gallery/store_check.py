"""Photo rows against store objects: rows missing their blobs, blobs no row names.

(Public case images are blobs too, named by their comparison, patients' data
exports, named by their export row until they expire, and clinics' logos.)

After a crash (kill -9 between storing the blobs and committing the row) the
store may hold blobs of an upload that never became a photo. Those orphans are
removed by ``--fix`` once older than ``GRACE`` (younger ones may belong to an
upload committing right now). A row whose blobs are missing is reported, never
"fixed": that is lost data, for a backup to answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from gallery.db import get_db
from gallery.models import Clinic, Comparison, DataExport, Photo, utcnow
from uploads.store import SHARDS, Store

REQUIRED = ("original", "display", "thumb")
GRACE = timedelta(hours=1)
LISTED_ORPHANS = 1000


@dataclass
class StoreReport:
    missing: list[tuple[int, str]] = field(default_factory=list)  # (photo id, variant)
    # (sha256, variant) older than GRACE: the first LISTED_ORPHANS of them, and how many in all
    orphans: list[tuple[str, str]] = field(default_factory=list)
    orphan_count: int = 0
    recent_orphans: int = 0


def check_store(store: Store, *, fix: bool = False) -> StoreReport:
    """Compare the store with the database one shard at a time (``uploads.store.SHARDS``): the keys
    and rows held at once are a 256th of the whole (3.5 MB at 1 M photos, ``bench/check_store.py``),
    not every key of the clinic at once."""
    report = StoreReport()
    cutoff = utcnow() - GRACE
    for shard in SHARDS:
        _check_shard(store, shard, cutoff, fix, report)
    report.missing.sort()
    return report


def _check_shard(store: Store, shard: str, cutoff: datetime, fix: bool, report: StoreReport) -> None:
    db = get_db()
    # A range, not LIKE 'ab%': the sha256 index serves it on SQLite and PostgreSQL alike.
    low, high = shard, f"{int(shard, 16) + 1:02x}" if shard != "ff" else "g"
    rows = dict(db.execute(select(Photo.sha256, Photo.id).where(Photo.sha256 >= low, Photo.sha256 < high)).all())
    # Public case images and patients' archives (kept until they expire) are blobs no photo row names.
    public = Comparison.public_image_sha256
    kept = set(db.scalars(select(public).where(public >= low, public < high)))
    kept |= set(db.scalars(select(Clinic.logo_sha256).where(Clinic.logo_sha256 >= low, Clinic.logo_sha256 < high)))
    kept |= set(db.scalars(select(DataExport.sha256).where(DataExport.sha256 >= low, DataExport.sha256 < high,
                                                            DataExport.status == "ready",
                                                            DataExport.expires_at > utcnow())))
    present: set[tuple[str, str]] = set()
    for sha256, variant, modified in store.blobs(shard):
        present.add((sha256, variant))
        if sha256 in rows or sha256 in kept:
            continue
        if modified > cutoff:
            report.recent_orphans += 1
            continue
        report.orphan_count += 1
        if len(report.orphans) < LISTED_ORPHANS:  # a sample: after a crash there can be millions
            report.orphans.append((sha256, variant))
        if fix:
            store.delete(sha256, variant)
    report.missing += [(photo_id, variant) for sha256, photo_id in rows.items()
                       for variant in REQUIRED if (sha256, variant) not in present]
