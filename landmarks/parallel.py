"""Image work on two threads: bands of one image, or independent pieces at once.

The heaviest steps of an analysis (the skin model, painting out hairs at the
photo's own pixels, the multi-scale valley filter) are local: each output pixel
depends only on input pixels within a few millimetres. Split into overlapping
bands, each band gives the same pixels as the whole image would, and the bands
run at once; the regions' lines, each in its own box, are independent too.
OpenCV and NumPy release the GIL for the work on large arrays, so on a 2-core
worker two threads nearly halve these steps (a 12 MP close-up's analysis must
stay within 400 ms). As long as ``overlap_px`` covers how far the work looks,
the result is the whole image's, pixel for pixel (tests check this on real
photos: the same skin, indices and line maps).

Work already running on one of these threads runs its own pieces in turn, so
the two threads never wait for each other.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

import numpy as np
import numpy.typing as npt

BANDS = 2  # the workers' cores: one band each
_pool: ThreadPoolExecutor | None = None
_pool_made = threading.Lock()  # request threads may all start their first analysis at once
_on_pool = threading.local()
T = TypeVar("T")


def _executor() -> ThreadPoolExecutor:
    """The band threads, started on first use in this process."""
    global _pool
    with _pool_made:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=BANDS, thread_name_prefix="band",
                                       initializer=setattr, initargs=(_on_pool, "inside", True))
        return _pool


def _forget_executor() -> None:
    # A forked child (a server worker) inherits the pool object but not its threads,
    # and the lock in whatever state another thread held it.
    global _pool, _pool_made
    _pool, _pool_made = None, threading.Lock()


os.register_at_fork(after_in_child=_forget_executor)

Result = npt.NDArray | tuple[npt.NDArray, ...]


def in_bands(work: Callable[..., Result], image: npt.NDArray | tuple[npt.NDArray, ...], overlap_px: int) -> Result:
    """``work(image)``, computed on ``BANDS`` horizontal bands of ``image`` at once.

    Parameters
    ----------
    work : function of an (h, W, ...) array returning an (h, W, ...) array or a
        tuple of them, where every output pixel depends only on input pixels at
        most ``overlap_px`` rows away (and on nothing global to the image).
    image : (H, W, ...) array, or a tuple of such arrays of the same height, given
        to ``work`` band by band as its arguments.
    overlap_px : rows each band reads beyond the rows it keeps.

    Returns
    -------
    What ``work(image)`` returns, stitched from the bands. An image too short to
    gain from bands (under four overlaps tall) is worked on whole.
    """
    images = image if isinstance(image, tuple) else (image,)
    height = images[0].shape[0]
    if overlap_px < 0:
        raise ValueError(f"overlap_px must be >= 0, got {overlap_px}")
    if any(other.shape[0] != height for other in images):
        raise ValueError(f"images of different heights: {[other.shape for other in images]}")
    if BANDS < 2 or height < 2 * BANDS * max(overlap_px, 1):
        return work(*images)
    cuts = [round(height * k / BANDS) for k in range(BANDS + 1)]
    starts = [max(0, cut - overlap_px) for cut in cuts[:-1]]
    parts = at_once([lambda rows=slice(start, min(height, end + overlap_px)): work(*(a[rows] for a in images))
                     for start, end in zip(starts, cuts[1:])])
    # Each band keeps its own rows: [cut_k, cut_k+1) sits at cut_k - start_k in its output.
    keep = [slice(cut - start, end - start) for cut, end, start in zip(cuts[:-1], cuts[1:], starts)]
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate([part[i][rows] for part, rows in zip(parts, keep)])
                     for i in range(len(parts[0])))
    return np.concatenate([part[rows] for part, rows in zip(parts, keep)])


def at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Each of ``calls``' results, in order, the calls run on the threads at once
    (in turn when called from one of the threads, or with ``BANDS`` below 2)."""
    if BANDS < 2 or getattr(_on_pool, "inside", False):
        return [call() for call in calls]
    return [future.result() for future in [_executor().submit(call) for call in calls]]
