"""The measurement grid: a window of the photo resampled to a fixed mm per pixel.

Every grid pixel of a photo sits on one lattice anchored at the image's
top-left corner; a window only chooses which lattice pixels to compute. Cutting
the window first and resampling it from its own corner, as before, let the
sampling phase follow the window's edge, and the window follows every region:
when the forehead's hairline moved by a pixel (a tone curve changes the skin
mask a little), the glabella was sampled half a grid pixel differently and its
faint lines, near the threshold, moved its index by up to 7 %.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

ANTI_ALIAS = 0.3  # Gaussian sigma, in grid pixels, before sampling down: about a box of one grid pixel


@dataclass(frozen=True)
class Grid:
    """A window of the lattice: ``origin`` is the lattice index (x, y) of its first pixel,
    ``size`` its (width, height), ``factor`` grid pixels per working-image pixel."""

    origin: tuple[int, int]
    size: tuple[int, int]
    factor: float

    @classmethod
    def around(cls, box: tuple[float, float, float, float], factor: float) -> "Grid":
        """The smallest window holding ``box`` (left, top, right, bottom; working pixels)."""
        left, top, right, bottom = box
        origin = (math.floor(left * factor), math.floor(top * factor))
        size = (max(1, math.ceil(right * factor) - origin[0]), max(1, math.ceil(bottom * factor) - origin[1]))
        return cls(origin=origin, size=size, factor=factor)

    @property
    def shape(self) -> tuple[int, int]:
        return self.size[1], self.size[0]

    def from_working(self, points: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Working-image coordinates -> this window's grid coordinates."""
        return np.asarray(points, np.float64) * self.factor - self.origin

    def sample(self, image: npt.NDArray, per_working_px: float, *, nearest: bool = False) -> npt.NDArray:
        """``image`` (``per_working_px`` of its pixels per working pixel) at this window's grid
        pixels: smoothed, then linear, where it is finer than the grid; cubic where coarser."""
        step = per_working_px / self.factor  # image pixels per grid pixel
        interpolation = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR if step > 1 else cv2.INTER_CUBIC
        # Pixel centres: grid pixel j lies at image index (origin + j + 0.5) * step - 0.5.
        start = [(o + 0.5) * step - 0.5 for o in self.origin]
        margin = 2 + int(math.ceil(3 * ANTI_ALIAS * step))
        x0, y0 = (max(0, int(math.floor(s)) - margin) for s in start)
        x1 = min(image.shape[1], int(math.ceil(start[0] + self.size[0] * step)) + margin)
        y1 = min(image.shape[0], int(math.ceil(start[1] + self.size[1] * step)) + margin)
        return self._warp(image[y0:y1, x0:x1], step, (start[0] - x0, start[1] - y0), interpolation,
                          smooth=not nearest)

    def finer(self, ratio: float) -> "Grid":
        """The same window on a lattice ``ratio`` times finer."""
        left, top = (o / self.factor for o in self.origin)
        right, bottom = ((o + s) / self.factor for o, s in zip(self.origin, self.size))
        return Grid.around((left, top, right, bottom), self.factor * ratio)

    def resample(self, values: npt.NDArray, source: "Grid") -> npt.NDArray:
        """``values`` computed on another window of a finer lattice (``source``), at this
        window's grid pixels: smoothed, then linear, as ``sample`` does."""
        step = source.factor / self.factor  # source pixels per grid pixel
        start = tuple((o + 0.5) * step - 0.5 - s for o, s in zip(self.origin, source.origin))
        return self._warp(values, step, start, cv2.INTER_LINEAR, smooth=True)

    def _warp(self, image: npt.NDArray, step: float, start: tuple[float, float], interpolation: int, *,
              smooth: bool) -> npt.NDArray:
        """This window's pixels from ``image``, whose pixel ``start`` (x, y) is the window's
        first pixel centre and ``step`` its pixels per grid pixel; smoothed first (``smooth``)
        where it is finer than the grid."""
        if smooth and step > 1:
            image = cv2.GaussianBlur(image, (0, 0), ANTI_ALIAS * step)
        matrix = np.array([[step, 0, start[0]], [0, step, start[1]]], np.float64)
        return cv2.warpAffine(image, matrix, self.size, flags=interpolation | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REPLICATE)

    def paint(self, values: npt.NDArray, target: npt.NDArray) -> None:
        """Write grid ``values`` back into ``target`` (working pixels), nearest grid pixel, in place."""
        height, width = target.shape[:2]
        left = max(0, int(math.floor(self.origin[0] / self.factor)))
        top = max(0, int(math.floor(self.origin[1] / self.factor)))
        right = min(width, int(math.ceil((self.origin[0] + self.size[0]) / self.factor)))
        bottom = min(height, int(math.ceil((self.origin[1] + self.size[1]) / self.factor)))
        if right <= left or bottom <= top:
            return
        # Working pixel i's centre lies at grid index (i + 0.5) * factor - origin - 0.5.
        matrix = np.array([[self.factor, 0, (left + 0.5) * self.factor - self.origin[0] - 0.5],
                           [0, self.factor, (top + 0.5) * self.factor - self.origin[1] - 0.5]], np.float64)
        target[top:bottom, left:right] = cv2.warpAffine(
            values, matrix, (right - left, bottom - top), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
