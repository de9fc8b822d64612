"""Gaussian centre heatmaps against hand-computed values."""
from __future__ import annotations

import math

import torch

from smat_ros.train.targets import center_heatmaps, gaussian_kernel, gaussian_radius


def test_radius_matches_the_cornernet_formula_by_hand() -> None:
    """For a 4x2-cell box, the smallest of the three roots (min-overlap 0.7) is the radius."""
    w, h, o = 4.0, 2.0, 0.7
    r1 = ((h + w) + math.sqrt((h + w) ** 2 - 4 * w * h * (1 - o) / (1 + o))) / 2
    r2 = (2 * (h + w) + math.sqrt((2 * (h + w)) ** 2 - 16 * (1 - o) * w * h)) / 2
    r3 = (-2 * o * (h + w) + math.sqrt((2 * o * (h + w)) ** 2 - 4 * 4 * o * (o - 1) * w * h)) / 2
    got = gaussian_radius(torch.tensor([w]), torch.tensor([h]))
    assert math.isclose(float(got), min(r1, r2, r3), rel_tol=1e-6)


def test_kernel_peak_and_sigma() -> None:
    """Radius 2 -> 5x5 kernel, peak 1 at the centre, neighbour exp(-1/(2 sigma^2)) with sigma 5/6."""
    kernel = gaussian_kernel(2)
    assert kernel.shape == (5, 5)
    assert kernel[2, 2] == 1.0
    sigma = 5 / 6
    assert math.isclose(kernel[2, 3], math.exp(-1 / (2 * sigma ** 2)), rel_tol=1e-9)
    assert math.isclose(kernel[0, 0], math.exp(-8 / (2 * sigma ** 2)), rel_tol=1e-9)


def test_heatmap_peak_at_rounded_centre() -> None:
    """Box centre (0.53, 0.27) of a 256/16 map lies at cell round(8.48, 4.32) = (8, 4), where the map is 1."""
    box = torch.tensor([[0.53 - 0.25, 0.27 - 0.15, 0.5, 0.3]])
    heat = center_heatmaps(box, 256, 16)
    assert heat.shape == (1, 1, 16, 16)
    peak = int(heat.flatten().argmax())
    assert divmod(peak, 16) == (4, 8)
    assert float(heat[0, 0, 4, 8]) == 1.0
    radius = int(gaussian_radius(torch.tensor([8.0]), torch.tensor([4.8])))
    assert radius >= 1
    nonzero_cols = torch.nonzero(heat[0, 0, 4] > 0).flatten()
    assert int(nonzero_cols.min()) == 8 - radius and int(nonzero_cols.max()) == 8 + radius


def test_heatmap_clipped_at_the_border_and_batched() -> None:
    """A centre on the corner cell keeps its peak there; boxes are drawn independently per batch item."""
    boxes = torch.tensor([[-0.1, -0.1, 0.2, 0.2], [0.4, 0.4, 0.2, 0.2]])
    heat = center_heatmaps(boxes, 256, 16)
    assert float(heat[0, 0, 0, 0]) == 1.0
    assert float(heat[1, 0, 8, 8]) == 1.0
    assert float(heat[0, 0, 8, 8]) == 0.0
    assert torch.equal(heat[1, 0], heat[1, 0].T)
