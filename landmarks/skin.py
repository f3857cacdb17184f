"""Which pixels are the patient's skin, from a colour model sampled on this face.

Regions that reach past the mesh (the forehead up to the hairline, the crow's
feet beyond the face outline) are clipped to skin so that hair, brows and the
background never count as lines. The colour model is learnt per photo from
places that are skin on every face (cheeks and nasal bridge), so it follows the
patient's complexion and the photo's white balance.

Colour alone cannot tell grey or white hair from pale skin, so texture decides
too: hair is a dense mat of fine bright strands, skin is smooth at that scale
(a wrinkle is a sparse dark valley, not bright detail). Fine bright detail far
above the sampled skin's own is hair, whatever its colour.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from landmarks.anatomy import LEFT_CHEEK, NOSE_BRIDGE, RIGHT_CHEEK
from landmarks.masks import window_around
from landmarks.parallel import in_bands
from landmarks.wrinkles import photometric_scale

# Tolerances: Mahalanobis distance in rg chromaticity, and floors relative to
# the sampled skin's median log-saturation ln(max/min) and brightness. The cheeks
# sampled are redder than the temples and the forehead: at 3.5 the London set's
# pale faces lost their temples and patches of forehead to "non-skin", and 4 of 51
# had a crow's-feet zone with too little skin to measure. Hair is told by its
# texture and by the saturation and brightness floors, not by a tight hue.
_CHROMA_DISTANCE = 6.0
# A floor under the sampled spread (JPEG noise, uneven light), per unit of the
# photo's ``photometric_scale``: 0.006 on a clinic portrait's skin (scale 1.66).
_MIN_CHROMA_SD = 0.0036
_MIN_SATURATION = 0.4
_MIN_BRIGHTNESS = 0.35
_MAX_HOLE_IOD = 0.25  # enclosed non-skin up to (this x inter-ocular distance)² is filled
# A specular sheen adds the light's own white to the skin's colour: its chromaticity
# lies on the line from the skin's towards white, up to this share of the way (a grey
# wall lies at 1.05-1.2 of it; the sheen on studio foreheads reached 0.6). It is at
# least this bright against the sampled skin (a sheen adds light; grey hair in
# shade does not).
_SHEEN_MAX = 0.75
_SHEEN_MIN_BRIGHTNESS = 0.8
_NEAR_CLIPPING = 235  # a channel this bright may have been cut off by the sensor or JPEG
_COLOUR_SMOOTH_IOD = 0.01  # Gaussian sigma (x inter-ocular distance, ~0.6 mm) before colour is judged
# Texture: bright detail finer than _DETAIL_IOD (x inter-ocular distance, ~1 mm),
# its energy averaged over _TEXTURE_IOD (~3 mm); hair where it exceeds the
# sampled skin's median energy this many times.
_DETAIL_IOD = 0.016
_TEXTURE_IOD = 0.045
_HAIR_TEXTURE_RATIO = 10.0
# Below this inter-ocular distance (a small face, about 0.6 mm per pixel) the tests
# run on the face upsampled to it: their kernels are a few pixels there, and
# rounding them to whole pixels made a half-size copy's skin edges differ from
# the full photo's by a millimetre (forehead strip IoU 0.885 between the astronaut
# and her copy at half size; 0.904 upsampled).
_MIN_IOD_PX = 100.0
# Above this inter-ocular distance (a close-up, about 0.3 mm per pixel) they run on
# the face downsampled to it: every kernel is wide enough there, and on a close-up
# 12 MP photo the skin model over the full working copy took a third of the analysis.
_MAX_IOD_PX = 200.0
_FACE_WINDOW_IOD = 1.5  # skin is looked for this far (x inter-ocular distance) around the landmarks


def _sample_mask(shape: tuple[int, int], xy: npt.NDArray[np.float64], iod_px: float) -> npt.NDArray[np.uint8]:
    mask = np.zeros(shape, np.uint8)
    for index, radius in ((RIGHT_CHEEK, 0.14), (LEFT_CHEEK, 0.14)) + tuple((i, 0.05) for i in NOSE_BRIDGE):
        centre = tuple(int(round(v)) for v in xy[index])
        cv2.circle(mask, centre, max(1, int(radius * iod_px)), 1, -1)
    return mask


def _fill_small_holes(skin: npt.NDArray[np.bool_], max_area_px: float) -> npt.NDArray[np.bool_]:
    """Skin with enclosed non-skin specks filled: specular highlights (white, so
    colourless) and moles or freckles inside skin are still skin."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats((~skin).astype(np.uint8), connectivity=4)
    height, width = skin.shape
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    right, bottom = left + stats[:, cv2.CC_STAT_WIDTH], top + stats[:, cv2.CC_STAT_HEIGHT]
    enclosed = (left > 0) & (top > 0) & (right < width) & (bottom < height)
    fill = enclosed & (stats[:, cv2.CC_STAT_AREA] <= max_area_px)
    return skin | fill[labels]


def _detail_energy(green: npt.NDArray[np.uint8], iod_px: float) -> npt.NDArray[np.float32]:
    """The energy of fine bright detail around each pixel, in log-luminance (green): hair is
    a dense mat of fine bright strands, far above the sampled skin's own (``_hair_threshold``).
    Compared with the skin sampled in the same photo, a gain or a tone curve changes
    nothing and noise raises both sides alike."""
    log_lum = np.log1p(green.astype(np.float32))
    # A white top-hat keeps only bright features narrower than the element:
    # strands and the gaps' highlights. Beside a dark valley (a wrinkle, however
    # deep) the opening restores the skin level, so wrinkles add nothing.
    element = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_detail_px(iod_px),) * 2)
    detail = log_lum - cv2.morphologyEx(log_lum, cv2.MORPH_OPEN, element)
    return cv2.GaussianBlur(detail ** 2, (0, 0), _texture_px(iod_px))


def _detail_px(iod_px: float) -> int:
    return max(3, int(round(2 * _DETAIL_IOD * iod_px)) | 1)


def _texture_px(iod_px: float) -> float:
    return max(1.0, _TEXTURE_IOD * iod_px)


def _hair_threshold(energy: npt.NDArray[np.float32], sampled: npt.NDArray[np.bool_]) -> float:
    """The detail energy above which a pixel is hair: ``_HAIR_TEXTURE_RATIO`` times the sampled skin's."""
    reference = float(np.median(energy[sampled])) if sampled.any() else 0.0
    return _HAIR_TEXTURE_RATIO * max(reference, 1e-6)


def skin_mask(rgb: npt.NDArray[np.uint8], xy: npt.NDArray[np.float64], iod_px: float) -> npt.NDArray[np.bool_]:
    """Boolean (H, W) mask of skin-coloured pixels for the face with landmarks ``xy``.

    Parameters
    ----------
    rgb : (H, W, 3) uint8
    xy : (478, 2) landmarks in ``rgb``'s pixels.
    iod_px : distance between the eye centres in pixels; sets the sample sizes.
    """
    full_shape = rgb.shape[:2]
    # Room above the face for the forehead up to the hairline; skin beyond it is never part of a region.
    left, top, right, bottom = window_around(xy, _FACE_WINDOW_IOD * iod_px, full_shape)
    window, xy = rgb[top:bottom, left:right], xy - (left, top)
    if iod_px < _MIN_IOD_PX:
        factor = float(np.ceil(_MIN_IOD_PX / max(iod_px, 1.0)))
    else:
        factor = min(1.0, _MAX_IOD_PX / iod_px)
    if factor != 1.0:
        # Pixel centres map as cv2.resize maps them: x' = factor (x + 0.5) - 0.5.
        resized = cv2.resize(window, None, fx=factor, fy=factor,
                             interpolation=cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA)
        skin = _skin(resized, (xy + 0.5) * factor - 0.5, iod_px * factor).astype(np.float32)
        back = cv2.INTER_AREA if factor > 1 else cv2.INTER_LINEAR
        skin = cv2.resize(skin, window.shape[1::-1], interpolation=back) >= 0.5
    else:
        skin = _skin(window, xy, iod_px)
    mask = np.zeros(full_shape, bool)
    mask[top:bottom, left:right] = skin
    return mask


@dataclass(frozen=True)
class _ColourModel:
    """The sampled skin's colour, learnt once per photo and applied to every pixel (in bands)."""

    centre: npt.NDArray[np.float32]  # (2,) rg chromaticity
    inverse: npt.NDArray[np.float32]  # (2, 2) inverse covariance, floor included
    saturation: float  # median log-saturation ln(max/min)
    brightness: float  # median of the brightest channel (+1)
    hair_threshold: float  # detail energy above which a pixel is hair

    @classmethod
    def learnt(cls, colour: npt.NDArray[np.uint8], sampled: npt.NDArray[np.bool_],
               energy: npt.NDArray[np.float32]) -> "_ColourModel":
        red, green, blue, total = _channels(colour[sampled])
        samples = np.stack([red / total, green / total], axis=-1)
        centre = np.median(samples, axis=0)
        floor_sd = _MIN_CHROMA_SD * photometric_scale(colour, sampled)
        inverse = np.linalg.inv(np.cov((samples - centre).T) + np.eye(2) * floor_sd ** 2)
        brightest = np.maximum(np.maximum(red, green), blue)
        saturation = np.log(brightest / np.minimum(np.minimum(red, green), blue))
        return cls(centre=centre.astype(np.float32), inverse=inverse.astype(np.float32),
                   saturation=float(np.median(saturation)), brightness=float(np.median(brightest)),
                   hair_threshold=_hair_threshold(energy, sampled))

    def skin(self, colour: npt.NDArray[np.uint8], energy: npt.NDArray[np.float32],
             kernel: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
        """Skin pixels of ``colour`` (smoothed RGB, any band of the window), pores and fine lines
        closed and isolated specks dropped with ``kernel``."""
        red, green, blue, total = _channels(colour)
        # The quadratic form d' S⁻¹ d, written out: over a million pixels einsum took 30 ms.
        (a, b), (_, c) = self.inverse
        d0, d1 = red / total - self.centre[0], green / total - self.centre[1]
        distance_sq = a * d0 * d0 + 2 * b * d0 * d1 + c * d1 * d1
        brightest = np.maximum(np.maximum(red, green), blue)
        saturation = np.log(brightest / np.minimum(np.minimum(red, green), blue))
        bright_enough = brightest > _MIN_BRIGHTNESS * self.brightness
        # Sheen: the pixel's chromaticity minus its share t of the way from the skin's
        # towards white must be the skin's (the same Mahalanobis test, across that way).
        to_white = np.float32(1 / 3) - self.centre
        t = (d0 * to_white[0] + d1 * to_white[1]) / np.float32(to_white @ to_white)
        p0, p1 = d0 - t * to_white[0], d1 - t * to_white[1]
        sheen = (t > 0) & (t < _SHEEN_MAX) & (a * p0 * p0 + 2 * b * p0 * p1 + c * p1 * p1 < _CHROMA_DISTANCE ** 2) \
            & (brightest > _SHEEN_MIN_BRIGHTNESS * self.brightness)
        # A highlight clips a channel, which shifts the chromaticity and lowers the
        # saturation: near-clipped pixels get twice the colour tolerance and half
        # the saturation floor (white highlights are filled as holes below).
        clipped = (brightest - 1.0 >= _NEAR_CLIPPING) & (distance_sq < (2 * _CHROMA_DISTANCE) ** 2) \
            & (saturation > 0.5 * _MIN_SATURATION * self.saturation)
        skin_coloured = (distance_sq < _CHROMA_DISTANCE ** 2) & (saturation > _MIN_SATURATION * self.saturation)
        skin = bright_enough & (energy <= self.hair_threshold) & (clipped | sheen | skin_coloured)
        # Close pores and fine lines (they are skin), then drop isolated specks.
        skin = cv2.morphologyEx(skin.astype(np.uint8), cv2.MORPH_CLOSE, kernel)
        return cv2.morphologyEx(skin, cv2.MORPH_OPEN, kernel) > 0


def _channels(colour: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.float32], ...]:
    """Red, green and blue (+1, float32) of ``colour`` (..., 3), and their sum."""
    red, green, blue = (colour[..., k].astype(np.float32) + 1.0 for k in range(3))
    return red, green, blue, red + green + blue  # numpy's sum over a 3-long last axis took 25 ms a photo


def _skin(rgb: npt.NDArray[np.uint8], xy: npt.NDArray[np.float64], iod_px: float) -> npt.NDArray[np.bool_]:
    """``skin_mask`` within the face's window (``rgb``, with ``xy`` in its pixels).

    The model is learnt from the sampled skin; the pixels are then judged in bands
    at once (``landmarks.parallel``): every test is local but for the model.
    """
    # rg chromaticity (R and G over R+G+B) does not change with shading, so the
    # shadowed side of a face matches its lit side; grey backgrounds and very
    # dark hair, which can share that hue, fail the saturation and brightness floors.
    # A tone curve I^g stretches every chromaticity difference, the sampled skin's
    # spread with it, by about g, as it does ``photometric_scale``: the floor
    # under that spread is scaled by the same factor and saturation is taken as
    # ln(max/min), which the curve multiplies by g exactly, so the same pixels
    # are skin under any tone curve. With a fixed floor and HSV saturation the
    # rims of brows, lashes and hairline came and went with the curve: gamma
    # 1.25 took 3 % of the glabella's skin and moved its index by as much.
    # Colour is judged on a copy smoothed over about half a millimetre: per pixel,
    # sensor noise widened the sampled skin's spread and with it the tolerance, so
    # a noisier photo of the same face had 4 % more "skin" at the temple's hair.
    sampled = _sample_mask(rgb.shape[:2], xy, iod_px) > 0
    if sampled.sum() < 10:
        return np.zeros(rgb.shape[:2], bool)
    colour = cv2.GaussianBlur(rgb, (0, 0), _COLOUR_SMOOTH_IOD * iod_px)
    # The detail's reach: the opening's element twice, then 4 sigma of OpenCV's float Gaussian.
    energy = in_bands(lambda green: _detail_energy(green, iod_px), rgb[..., 1],
                      _detail_px(iod_px) + int(np.ceil(4 * _texture_px(iod_px))) + 2)
    model = _ColourModel.learnt(colour, sampled, energy)
    size = max(3, int(0.04 * iod_px) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    skin = in_bands(lambda c, e: model.skin(c, e, kernel), (colour, energy), 2 * size + 2)
    return _fill_small_holes(skin, max_area_px=(_MAX_HOLE_IOD * iod_px) ** 2)
