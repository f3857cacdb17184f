"""Photo rows against store objects: rows missing their blobs, blobs no row names.

(Public case images are blobs too, named by their comparison, and patients' data
exports, named by their export row until they expire.)

After a crash (kill -9 between storing the blobs and committing the row) the
store may hold blobs of an upload that never became a photo. Those orphans are
removed by ``--fix`` once older than ``GRACE`` (younger ones may belong to an
upload committing right now). A row whose blobs are missing is reported, never
"fixed": that is lost data, for a backup to answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from gallery.db import get_db
from gallery.models import Comparison, DataExport, Photo, utcnow
from uploads.store import Store

REQUIRED = ("original", "display", "thumb")
GRACE = timedelta(hours=1)


@dataclass
class StoreReport:
    missing: list[tuple[int, str]] = field(default_factory=list)  # (photo id, variant)
    orphans: list[tuple[str, str]] = field(default_factory=list)  # (sha256, variant), older than GRACE
    recent_orphans: int = 0


def check_store(store: Store, *, fix: bool = False) -> StoreReport:
    rows = dict(get_db().execute(select(Photo.sha256, Photo.id)).all())
    published = set(get_db().scalars(select(Comparison.public_image_sha256)
                                     .where(Comparison.public_image_sha256.is_not(None))))
    # A patient's archive is kept until it expires; after that it is an orphan like any other.
    kept = published | set(get_db().scalars(select(DataExport.sha256).where(DataExport.status == "ready",
                                                                      DataExport.expires_at > utcnow())))
    report = StoreReport()
    present: set[tuple[str, str]] = set()
    cutoff = utcnow() - GRACE
    for sha256, variant, modified in store.blobs():
        present.add((sha256, variant))
        if sha256 in rows or sha256 in kept:
            continue
        if modified > cutoff:
            report.recent_orphans += 1
            continue
        report.orphans.append((sha256, variant))
        if fix:
            store.delete(sha256, variant)
    report.missing = [(photo_id, variant) for sha256, photo_id in sorted(rows.items(), key=lambda item: item[1])
                      for variant in REQUIRED if (sha256, variant) not in present]
    return report
