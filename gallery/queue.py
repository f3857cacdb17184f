"""The background job queue (photo analyses, patients' data exports), on Huey:
embedded by default, Redis to scale out.

- ``GALLERY_QUEUE_URL`` empty (default): the queue is a SQLite file in the data
  directory and every web process runs the jobs itself in one background
  thread. Nothing else to start.
- ``redis://host:port/db``: web processes only enqueue; ``flask --app app
  worker`` processes (any number, any host) run the jobs.
- ``immediate``: a job runs as it is enqueued, inside the request (tests and
  one-off scripts).

Huey removes a job from the queue when a worker takes it, so a worker that dies
mid-job would lose it. The photo row is the record instead: every worker
enqueues all pending photos when it starts, and once a minute those whose job
was never started, or started longer than ``GALLERY_ANALYSIS_LEASE_SECONDS``
ago (``requeue_stale``). Jobs are idempotent, so this gives at-least-once
analysis. Pending data exports are re-enqueued the same way, by their age. A visit's
movement job lost with a worker is queued again when a worker starts (a visit
whose analysed contraction photos have no movement of the current method).

Reminder emails (``gallery.reminders``) go from a periodic task, every
``REMINDER_MINUTES``: run by the workers' consumer with Redis, and by each web
process's queue thread when embedded (several processes may run it at once: each
reminder is claimed in the database before it is sent, so it goes once).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from sqlalchemy import or_, select

from gallery.db import get_db
from gallery.models import DataExport, Photo, utcnow
from gallery.movement.service import requeue_movements, run_movement
from gallery.patients.export import run_export
from gallery.photos.analysis import run_analysis
from gallery.reminders import send_due_reminders

log = logging.getLogger(__name__)
SWEEP_SECONDS = 60
# Reminders are about days, not minutes: a quarter of an hour is prompt enough and cheap.
REMINDER_MINUTES = 15
IDLE_POLL_SECONDS = 0.5


def _huey(url: str, data_dir: str) -> Huey:
    if not url:
        return SqliteHuey("gallery", filename=str(Path(data_dir) / "queue.sqlite3"), results=False)
    if url == "immediate":
        return MemoryHuey("gallery", immediate=True, results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("gallery", url=url, results=False)
    raise ValueError(f"GALLERY_QUEUE_URL must be empty, 'immediate' or a redis:// URL, not {url!r}")


class JobQueue:
    """One app's queue: ``enqueue`` from requests, jobs run in-process or by workers."""

    def __init__(self, app: Flask):
        self.app = app
        self.url = app.config["GALLERY_QUEUE_URL"]
        self.huey = _huey(self.url, app.config["GALLERY_DATA_DIR"])
        self._thread: threading.Thread | None = None
        self._thread_pid = 0
        self._lock = threading.Lock()

        @self.huey.task(name="analyse_photo")
        def analyse(photo_id: int) -> None:
            with app.app_context():
                run_analysis(photo_id)

        @self.huey.task(name="measure_movement")
        def movement(visit_id: int) -> None:
            with app.app_context():
                run_movement(visit_id)

        @self.huey.task(name="export_patient")
        def export(export_id: int) -> None:
            with app.app_context():
                run_export(export_id)

        @self.huey.periodic_task(crontab(minute="*"), name="requeue_stale")
        def sweep() -> None:
            with app.app_context():
                self.requeue_stale()

        @self.huey.periodic_task(crontab(minute=f"*/{REMINDER_MINUTES}"), name="send_reminders")
        def remind() -> None:
            with app.app_context():
                send_due_reminders()

        self._analyse, self._export, self._movement, self.remind = analyse, export, movement, remind

    @property
    def embedded(self) -> bool:
        """Whether web processes run the jobs themselves (no workers to start)."""
        return not self.url

    @property
    def shared(self) -> bool:
        """Whether separate ``flask worker`` processes run the jobs (Redis)."""
        return self.url not in ("", "immediate")

    def enqueue(self, photo_id: int) -> None:
        self._analyse(photo_id)

    def enqueue_export(self, export_id: int) -> None:
        self._export(export_id)

    def enqueue_movement(self, visit_id: int) -> None:
        """Measure the visit's muscle movement (``gallery.movement.service.run_movement``)."""
        self._movement(visit_id)

    def requeue_stale(self) -> int:
        """Enqueue pending photos and exports whose job was lost (see the module docstring); returns how many."""
        cutoff = utcnow() - timedelta(seconds=self.app.config["GALLERY_ANALYSIS_LEASE_SECONDS"])
        stale = get_db().scalars(select(Photo.id).where(
            Photo.analysis_status == "pending",
            or_(Photo.analysis_started_at < cutoff,
                Photo.analysis_started_at.is_(None) & (Photo.created_at < cutoff)))).all()
        for photo_id in stale:
            self.enqueue(photo_id)
        exports = get_db().scalars(select(DataExport.id).where(DataExport.status == "pending",
                                                               DataExport.created_at < cutoff)).all()
        for export_id in exports:
            self.enqueue_export(export_id)
        if stale or exports:
            log.info("re-enqueued %d pending analyses and %d exports", len(stale), len(exports))
        return len(stale) + len(exports)

    def _requeue_at_start(self) -> None:
        """At a worker's start every pending photo is queued again: its job may have died with
        the process that had it. One still running elsewhere is merely analysed twice."""
        with self.app.app_context():
            pending = get_db().scalars(select(Photo.id).where(Photo.analysis_status == "pending")).all()
            for photo_id in pending:
                self.enqueue(photo_id)
            for export_id in get_db().scalars(select(DataExport.id).where(DataExport.status == "pending")).all():
                self.enqueue_export(export_id)
            requeue_movements()

    def start_in_process(self) -> None:
        """Run jobs in a daemon thread of this process (embedded mode); once per process."""
        if not self.embedded:
            return
        with self._lock:
            if self._thread is not None and self._thread_pid == os.getpid() and self._thread.is_alive():
                return
            self._thread_pid = os.getpid()  # a forked child starts its own
            self._thread = threading.Thread(target=self._run_in_process, name="analysis", daemon=True)
            self._thread.start()

    def _run_in_process(self) -> None:
        # Not huey's Consumer: it installs signal handlers, which belong to the web server here.
        self._requeue_at_start()
        last_sweep = last_reminders = 0.0
        while True:
            try:
                if (now := time.monotonic()) - last_sweep >= SWEEP_SECONDS:
                    last_sweep = now
                    with self.app.app_context():
                        self.requeue_stale()
                if now - last_reminders >= REMINDER_MINUTES * 60:
                    last_reminders = now
                    self.remind.call_local()
                task = self.huey.dequeue()
                if task is None:
                    time.sleep(IDLE_POLL_SECONDS)
                else:
                    self.huey.execute(task)
            except Exception:  # the loop must outlive a bad job or a database hiccup
                log.exception("analysis thread error")
                time.sleep(IDLE_POLL_SECONDS)

    def run_worker(self, workers: int) -> None:
        """Run jobs until stopped (``flask --app app worker``): huey's consumer, with its signals."""
        self._requeue_at_start()
        self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()


def init_app(app: Flask) -> None:
    queue = JobQueue(app)
    app.extensions["gallery_queue"] = queue
    if queue.embedded:
        # Started by the first request of each process (gunicorn's hook starts it at boot).
        app.before_request(queue.start_in_process)
