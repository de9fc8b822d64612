"""Turns sampled frames into network inputs as the reference's ``STARKProcessing``: joint grayscale/flip,
jittered square crops around the target, brightness jitter, per-crop flip, normalisation.

Output of a valid pair: ``template`` (3, Ht, Wt) and ``search`` (3, Hs, Ws) float32, ``search_box`` (4,)
x,y,w,h normalised by the search side. A pair whose crop would be (almost) all padding is rejected (None).
"""
from __future__ import annotations

import numpy as np
import torch

from smat_ros.crop import crop_side, sample_target
from smat_ros.train import augment
from smat_ros.train.config import CropConfig, DataConfig

BACKBONE_STRIDE = 16


def box_in_crop(box: np.ndarray, crop_box: np.ndarray, resize_factor: float, output_size: int) -> np.ndarray:
    """Map a frame box into the crop taken around ``crop_box``, normalised by ``output_size``."""
    crop_center = crop_box[0:2] + 0.5 * crop_box[2:4]
    box_center = box[0:2] + 0.5 * box[2:4]
    center = (output_size - 1) / 2 + (box_center - crop_center) * resize_factor
    size = box[2:4] * resize_factor
    return np.concatenate([center - 0.5 * size, size]) / output_size


def crop_is_mostly_padding(image_shape: tuple[int, ...], crop_box: np.ndarray, factor: float,
                           output_size: int) -> bool:
    """Whether every feature-grid sample of the crop (one per backbone stride) falls outside the frame."""
    side = crop_side(tuple(float(v) for v in crop_box), factor)
    x1 = round(float(crop_box[0] + 0.5 * crop_box[2] - side * 0.5))
    y1 = round(float(crop_box[1] + 0.5 * crop_box[3] - side * 0.5))
    samples = np.arange(0, output_size, BACKBONE_STRIDE) * (side / output_size)
    inside_x = ((x1 + samples) >= 0) & ((x1 + samples) < image_shape[1])
    inside_y = ((y1 + samples) >= 0) & ((y1 + samples) < image_shape[0])
    return not (inside_x.any() and inside_y.any())


class PairProcessing:
    """Callable turning template/search frames and boxes into one training sample (see module docstring)."""

    def __init__(self, config: DataConfig) -> None:
        """Keep the crop, augmentation and normalisation settings."""
        self.config = config
        self.mean = np.asarray(config.mean, dtype=np.float32).reshape(3, 1, 1)
        self.std = np.asarray(config.std, dtype=np.float32).reshape(3, 1, 1)

    def __call__(self, template_frames: list[np.ndarray], template_boxes: list[np.ndarray],
                 search_frames: list[np.ndarray], search_boxes: list[np.ndarray],
                 rng: np.random.Generator) -> dict[str, torch.Tensor] | None:
        """One sample from the first template and the first search frame; None if the crops are not valid."""
        aug = self.config.augment
        to_gray = rng.random() < aug.joint_grayscale_probability
        to_flip = rng.random() < aug.joint_flip_probability
        template_frame, template_box = self._joint(template_frames[0], template_boxes[0], to_gray, to_flip)
        search_frame, search_box = self._joint(search_frames[0], search_boxes[0], to_gray, to_flip)
        template = self._crop(template_frame, template_box, self.config.template, rng)
        if template is None:
            return None
        search = self._crop(search_frame, search_box, self.config.search, rng)
        if search is None:
            return None
        return {
            "template": torch.from_numpy(template[0]),
            "search": torch.from_numpy(search[0]),
            "search_box": torch.from_numpy(search[1].astype(np.float32)),
        }

    @staticmethod
    def _joint(frame: np.ndarray, box: np.ndarray, to_gray: bool, to_flip: bool) -> tuple[np.ndarray, np.ndarray]:
        """Apply the joint (shared-roll) grayscale and flip to a full frame and its box."""
        box = np.asarray(box, dtype=np.float64)
        if to_gray:
            frame = augment.grayscale(frame)
        if to_flip:
            frame, box = augment.flip_image(frame), augment.flip_box_pixels(box, frame.shape[1])
        return frame, box

    def _crop(self, frame: np.ndarray, box: np.ndarray, crop: CropConfig,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray] | None:
        """Jittered crop, brightness, per-crop flip and normalisation: (3xSxS image, normalised box) or None."""
        jittered = augment.jitter_box(box, crop.center_jitter, crop.scale_jitter, rng)
        if crop_side(tuple(float(v) for v in jittered), crop.factor) < 1:
            return None
        if crop_is_mostly_padding(frame.shape, jittered, crop.factor, crop.size):
            return None
        patch, resize_factor = sample_target(frame, tuple(float(v) for v in jittered), crop.factor, crop.size)
        crop_box = box_in_crop(box, jittered, resize_factor, crop.size)
        image = augment.to_float_image(patch, augment.brightness_factor(self.config.augment.brightness_jitter, rng))
        if rng.random() < self.config.augment.crop_flip_probability:
            image, crop_box = np.ascontiguousarray(image[:, :, ::-1]), augment.flip_box_normalized(crop_box)
        return (image - self.mean) / self.std, crop_box
