"""Gunicorn settings for production: ``gunicorn -c gunicorn.conf.py 'app:create_app()'``.

Override any of them on the command line (``--bind 0.0.0.0:8000``, ``--workers 8``)
or with ``GUNICORN_CMD_ARGS``.
"""
import ctypes
import gc
import multiprocessing
import os

bind = "127.0.0.1:8000"  # behind a TLS-terminating proxy (nginx, a load balancer)
# Processes for CPU (image decoding, PDF reports), threads for waiting (database, S3, slow phones).
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count(), 8)))
worker_class = "gthread"
threads = 4
# Above the longest request: an upload form of 20 photos of 40 MB each over a slow link,
# a comparison (two alignments) or a visit report PDF.
timeout = 120
graceful_timeout = 30
keepalive = 5
# Request line and headers are small; the body is bounded by the app (MAX_CONTENT_LENGTH:
# GALLERY_MAX_UPLOAD_MB x GALLERY_MAX_FILES_PER_UPLOAD) and answered 413 beyond it.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"


M_ARENA_MAX = -8  # glibc's mallopt parameter


def _two_malloc_arenas() -> bool:
    """Let glibc's malloc keep at most two arenas in this worker (its default is eight per core).

    Each thread that allocates gets an arena of its own, and keeps the memory it frees there:
    with the request threads and the analysis's two band threads, four concurrent uploads of
    a 49 MP photo peaked at 990-1,014 MB, 921-924 MB with two arenas, as fast (``bench/memory.py``).
    Returns whether the limit was set (not glibc, as on musl or macOS: nothing to do).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return libc.mallopt(M_ARENA_MAX, 2) == 1


def post_worker_init(worker):
    """Limit malloc's arenas (``_two_malloc_arenas``); start the embedded analysis thread at boot,
    not at the first request (no-op with Redis); then freeze what is loaded by now out of the
    garbage collector's reach.

    The app imports OpenCV, MediaPipe and their kin: some 200,000 objects that live as long as
    the process. Every full collection walked them all, 50-120 ms in the middle of whichever
    request triggered it (the p95 of the photo page at a chain's size, ``bench/chain.py``).
    """
    _two_malloc_arenas()
    queue = getattr(worker.wsgi, "extensions", {}).get("gallery_queue")
    if queue is not None:
        queue.start_in_process()
    gc.freeze()
