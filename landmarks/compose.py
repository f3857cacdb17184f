"""Comparison images: the aligned pair side by side with labels, dates and an
optional watermark. Text is drawn with OpenCV's Hershey font (no font files)."""
from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

_BAR_PX = 56
_GAP_PX = 8


def _label(image: npt.NDArray[np.uint8], title: str, subtitle: str) -> npt.NDArray[np.uint8]:
    bar = np.full((_BAR_PX, image.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, title, (14, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (29, 37, 48), 2, cv2.LINE_AA)
    cv2.putText(bar, subtitle, (14, 46), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (100, 112, 128), 1, cv2.LINE_AA)
    return np.vstack([bar, image])


def watermark(image: npt.NDArray[np.uint8], text: str) -> npt.NDArray[np.uint8]:
    """``text`` across the lower part of the image, semi-transparent."""
    out = image.copy()
    overlay = out.copy()
    scale = image.shape[1] / 700
    (width, height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
    origin = ((image.shape[1] - width) // 2, image.shape[0] - height)
    cv2.putText(overlay, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), max(2, round(2 * scale)),
                cv2.LINE_AA)
    return cv2.addWeighted(overlay, 0.45, out, 0.55, 0)


def side_by_side(before: npt.NDArray[np.uint8], after: npt.NDArray[np.uint8], before_label: tuple[str, str],
                 after_label: tuple[str, str], *, mark: str | None = None) -> npt.NDArray[np.uint8]:
    """(H + bar, 2W + gap, 3) RGB: ``before`` left, ``after`` right, each with (title, subtitle)."""
    if before.shape != after.shape:
        raise ValueError(f"the aligned photos differ in shape: {before.shape} and {after.shape}")
    left, right = _label(before, *before_label), _label(after, *after_label)
    gap = np.full((left.shape[0], _GAP_PX, 3), 255, np.uint8)
    pair = np.hstack([left, gap, right])
    return watermark(pair, mark) if mark else pair


def single(image: npt.NDArray[np.uint8], label: tuple[str, str], *, mark: str | None = None) -> npt.NDArray[np.uint8]:
    out = _label(image, *label)
    return watermark(out, mark) if mark else out



FOOTER_PX = 32


def footer(image: npt.NDArray[np.uint8], text: str) -> npt.NDArray[np.uint8]:
    """(H + FOOTER_PX, W, 3) RGB: ``image`` over a white band naming ``text`` (the clinic) at its left.

    A band below, not over, the photos: a downloaded comparison says whose it is without
    covering skin. Hershey fonts draw ASCII only; other characters become ``?``.
    """
    band = np.full((FOOTER_PX, image.shape[1], 3), 255, np.uint8)
    ascii_text = text.encode("ascii", "replace").decode()
    cv2.putText(band, ascii_text, (14, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (29, 37, 48), 1, cv2.LINE_AA)
    return np.vstack([image, band])
