"""At most ``GALLERY_MAX_DECODES`` full-size photos in memory at once in a process.

An upload decodes its photo to make the display image, an analysis decodes the
original at full resolution: at 40-50 MP each holds hundreds of megabytes, and a
gthread worker runs several requests and the embedded analysis thread at once
(four concurrent 40 MP uploads peaked at 657-729 MB a worker). Each takes a slot
here first, so a worker's peak is bounded by the slots, not by how many phones
upload at the same moment; the others wait their turn.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app


def init_app(app: Flask) -> None:
    app.extensions["gallery_decode_slots"] = threading.BoundedSemaphore(app.config["GALLERY_MAX_DECODES"])


@contextmanager
def decode_slot() -> Iterator[None]:
    """Hold one of the process's decode slots while the body runs."""
    with current_app.extensions["gallery_decode_slots"]:
        yield
