"""Gaussian centre heatmaps (CenterNet style) as the reference's ``generate_heatmap``.

The centre cell is the rounded box centre on the ``search_size / stride`` grid; the radius is CornerNet's
gaussian radius for min-overlap 0.7 (the reference's formula, kept as is), truncated to an integer; the peak is 1
and sigma is (2*radius + 1)/6. Parts of the Gaussian outside the map are clipped.
"""
from __future__ import annotations

import numpy as np
import torch

MIN_OVERLAP = 0.7


def gaussian_radius(width: torch.Tensor, height: torch.Tensor, min_overlap: float = MIN_OVERLAP) -> torch.Tensor:
    """The reference's CornerNet radius (smallest of three quadratic roots) for boxes of ``width`` x ``height``."""
    b1 = height + width
    c1 = width * height * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 + torch.sqrt(b1 ** 2 - 4 * c1)) / 2
    b2 = 2 * (height + width)
    c2 = (1 - min_overlap) * width * height
    r2 = (b2 + torch.sqrt(b2 ** 2 - 16 * c2)) / 2
    a3 = 4 * min_overlap
    b3 = -2 * min_overlap * (height + width)
    c3 = (min_overlap - 1) * width * height
    r3 = (b3 + torch.sqrt(b3 ** 2 - 4 * a3 * c3)) / 2
    return torch.minimum(r1, torch.minimum(r2, r3))


def gaussian_kernel(radius: int) -> np.ndarray:
    """(2r+1, 2r+1) Gaussian with peak 1 and sigma (2r+1)/6; values below eps*max are zeroed."""
    sigma = (2 * radius + 1) / 6
    y, x = np.ogrid[-radius:radius + 1, -radius:radius + 1]
    kernel = np.exp(-(x * x + y * y) / (2 * sigma * sigma))
    kernel[kernel < np.finfo(kernel.dtype).eps * kernel.max()] = 0
    return kernel


def draw_gaussian(heatmap: torch.Tensor, center_x: int, center_y: int, radius: int) -> None:
    """Max a Gaussian of ``radius`` centred on cell (center_x, center_y) into ``heatmap`` (H, W), clipped."""
    height, width = heatmap.shape
    kernel = torch.from_numpy(gaussian_kernel(radius)).to(heatmap.dtype)
    x0, x1 = max(center_x - radius, 0), min(center_x + radius + 1, width)
    y0, y1 = max(center_y - radius, 0), min(center_y + radius + 1, height)
    if x1 <= x0 or y1 <= y0:
        return
    patch = kernel[y0 - center_y + radius:y1 - center_y + radius, x0 - center_x + radius:x1 - center_x + radius]
    heatmap[y0:y1, x0:x1] = torch.maximum(heatmap[y0:y1, x0:x1], patch)


def center_heatmaps(boxes: torch.Tensor, search_size: int, stride: int) -> torch.Tensor:
    """Heatmaps (B, 1, S, S), S = search_size // stride, for boxes (B, 4) x,y,w,h normalised by the search side."""
    feat = search_size // stride
    cells = boxes.detach().float().cpu() * feat
    centers = torch.round(cells[:, :2] + cells[:, 2:] / 2).to(torch.int64)
    radii = gaussian_radius(cells[:, 2], cells[:, 3]).clamp_min(0).to(torch.int64)
    heatmaps = torch.zeros(len(boxes), 1, feat, feat)
    for i in range(len(boxes)):
        draw_gaussian(heatmaps[i, 0], int(centers[i, 0]), int(centers[i, 1]), int(radii[i]))
    return heatmaps.to(boxes.device)
