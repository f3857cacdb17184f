"""Queuing a visit's movement measurement, from anywhere a pair may have changed.

Apart from ``gallery.movement.service`` (which reads photos' originals) so that the
photo code that queues it does not import what imports it back.
"""
from __future__ import annotations

import logging

from flask import current_app

log = logging.getLogger(__name__)


def queue_movement(visit_id: int) -> None:
    """Queue the visit's movement job; a queue that is down only delays it (a worker's start
    queues every visit left unmeasured: ``gallery.movement.service.requeue_movements``)."""
    try:
        current_app.extensions["gallery_queue"].enqueue_movement(visit_id)
    except Exception:  # the photo is stored and analysed; the next worker start measures the pair
        log.exception("movement of visit %s not queued", visit_id)
