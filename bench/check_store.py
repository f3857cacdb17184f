"""``check-store``'s memory as the photo count grows: it should stay flat.

A SQLite database of N photo rows and a store listing their three blobs each (plus
one orphan in a hundred) are compared by ``gallery.store_check.check_store``; the
store is synthetic (its keys are made as they are listed, as S3 pages them), so the
figure is the check's own memory. Prints the peak traced memory and the time for each
N. The check holds one shard (a 256th of the rows and keys) at a time, plus the report's
lists of orphans and missing blobs: the old check held every key (5.2 GB at 10 M photos).

    python bench/check_store.py [--photos 100000 1000000]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from app import create_app  # noqa: E402
from gallery.db import get_db  # noqa: E402
from gallery.models import Clinic, Patient, Photo, Visit  # noqa: E402
from gallery.store_check import check_store  # noqa: E402
from uploads.store import SHARDS  # noqa: E402

OLD = datetime(2020, 1, 1)


def _sha(shard: str, n: int) -> str:
    return f"{shard}{n:062x}"


class SyntheticStore:
    """Lists, shard by shard, the three blobs of each of ``per_shard`` photos and an orphan per hundred."""

    def __init__(self, per_shard: int) -> None:
        self.per_shard = per_shard

    def blobs(self, shard: str = "") -> Iterator[tuple[str, str, datetime]]:
        for each in ([shard] if shard else SHARDS):
            for n in range(self.per_shard + self.per_shard // 100):
                for variant in ("original", "display", "thumb"):
                    yield _sha(each, n), variant, OLD

    def delete(self, sha256: str, variant: str) -> None:
        raise AssertionError("the bench does not fix")


def run(photos: int) -> tuple[float, float, int]:
    per_shard = photos // len(SHARDS)
    app = create_app({"GALLERY_DATA_DIR": tempfile.mkdtemp(prefix="bench-check-store-"), "GALLERY_QUEUE_URL": "immediate"})
    with app.app_context():
        db = get_db()
        clinic = Clinic(name="Bench")
        db.add(clinic)
        db.flush()
        patient = Patient(clinic_id=clinic.id, name="Bench")
        db.add(patient)
        db.flush()
        visit = Visit(clinic_id=clinic.id, patient_id=patient.id, visit_date=OLD.date(), notes="")
        db.add(visit)
        db.flush()
        common = {"clinic_id": clinic.id, "patient_id": patient.id, "visit_id": visit.id, "content_type": "image/jpeg",
                  "original_size": 1, "original_filename": "", "width": 1, "height": 1, "taken_at": OLD,
                  "expression": "rest", "view": "front", "analysis": {}, "summary": {}, "analysis_version": 1,
                  "analysis_status": "done", "created_at": OLD}
        for shard in SHARDS:
            db.execute(insert(Photo), [{**common, "sha256": _sha(shard, n)} for n in range(per_shard)])
        db.commit()
        tracemalloc.start()
        started = time.perf_counter()
        report = check_store(SyntheticStore(per_shard))
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    app.extensions["gallery_engine"].dispose()
    return peak / 1e6, seconds, report.orphan_count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    figures = []
    for photos in args.photos:
        peak_mb, seconds, orphans = run(photos)
        figures.append(peak_mb)
        print(f"{photos:>9} photos ({3 * photos:>9} keys): peak {peak_mb:6.1f} MB traced, {seconds:5.1f} s, "
              f"{orphans} orphans found", flush=True)
    print(f"peak at the largest / the smallest: {figures[-1] / figures[0]:.2f} "
          f"for {args.photos[-1] / args.photos[0]:.0f}x the photos")


if __name__ == "__main__":
    main()
