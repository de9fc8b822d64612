"""Candidate association: how likely a LOST-time detection is the target, learned from the tracker's own candidates.

A network trained on few data scores a look-alike walker as high as the target, forwards and backwards, and colours
alone do not tell them apart either. Together with *where* a detection is (against where the target is expected, for
how long it has been unseen) they do: a logistic model over these relative cues, fitted on the tracker's candidates
in synthetic crowd scenes labelled by the truth (``scripts/fit_association.py``), gives each candidate a probability
of being the target, and the tracker refuses one below ``ReacquireConfig.association_min``.

The model is a small JSON file (cue names, their mean and scale, the weights, and how it was fitted): loading it
reads numbers only. The cues are relative to the track (scores to the track's reference score, sizes and colours to
its recent boxes), so a model fitted with one network carries over roughly to another; refit it for yours.
"""
from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from smat_ros.crop import Box
from smat_ros.errors import DataFileError, TrainingError
from smat_ros.follow.reacquire import ReacquireConfig
from smat_ros.weights import demo_association

FORMAT = "smat_ros association 1"
CUES = ("score", "window", "distance", "seconds", "size", "colour", "distance_rate")


@dataclasses.dataclass(frozen=True)
class CandidateCues:
    """What the tracker knows about a LOST-time detection, relative to the target's track."""

    score: float  # the detection's score / the track's reference score
    window: bool  # found by the normal window (at the candidate or where the target is expected), not a search tile
    distance: float  # from where the target is expected now, in target sizes (sqrt(w h))
    seconds: float  # since the target was last seen (image stamps)
    size: float  # |ln(sqrt(w h) / the target's usual sqrt(w h))|
    colour: float  # colour similarity to the first box / that of the target's recent boxes (0: no colours)

    def vector(self) -> np.ndarray:
        """The model's inputs in CUES order (distance_rate: distance / (1 + seconds))."""
        return np.array([self.score, float(self.window), self.distance, self.seconds, self.size, self.colour,
                         self.distance / (1.0 + self.seconds)])


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A LOST-time detection that passed the score, size, colour and distractor tests, with its cues and the
    association model's probability that it is the target (None without a model)."""

    box: Box
    cues: CandidateCues
    probability: float | None


@dataclasses.dataclass(frozen=True)
class AssociationModel:
    """Logistic regression over the standardized cues: P(target) = sigmoid(bias + weights . (cues - mean) / scale)."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    fitted: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)  # how it was fitted (provenance)

    def __post_init__(self) -> None:
        """Reject a model that does not fit the cues or holds non-finite numbers."""
        numbers = (*self.mean, *self.scale, *self.weights, self.bias)
        if not len(self.mean) == len(self.scale) == len(self.weights) == len(CUES):
            raise DataFileError(f"an association model needs {len(CUES)} means, scales and weights ({', '.join(CUES)})")
        if not all(math.isfinite(value) for value in numbers) or min(self.scale) <= 0:
            raise DataFileError("an association model's numbers must be finite and its scales positive")

    def probability(self, cues: CandidateCues) -> float:
        """How likely the candidate with these cues is the target, in [0, 1]."""
        z = (cues.vector() - np.asarray(self.mean)) / np.asarray(self.scale)
        logit = self.bias + float(np.dot(self.weights, z))
        return 1.0 / (1.0 + math.exp(-min(max(logit, -50.0), 50.0)))

    def to_json(self) -> dict[str, Any]:
        """The JSON document of this model."""
        return {"format": FORMAT, "cues": list(CUES), "mean": list(self.mean), "scale": list(self.scale),
                "weights": list(self.weights), "bias": self.bias, "fitted": self.fitted}


def load_association(path: str | Path) -> AssociationModel:
    """The association model in the JSON file ``path``; DataFileError naming the file when it is missing or does not
    hold one."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFileError(f"association model {path}: cannot read it as JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DataFileError(f"association model {path}: not a {FORMAT!r} document")
    if document.get("cues") != list(CUES):
        raise DataFileError(f"association model {path}: cues {document.get('cues')} are not {list(CUES)}")
    try:
        return AssociationModel(tuple(map(float, document["mean"])), tuple(map(float, document["scale"])),
                                tuple(map(float, document["weights"])), float(document["bias"]),
                                dict(document.get("fitted", {})))
    except (KeyError, TypeError, ValueError) as exc:  # DataFileError is a ValueError: the model's own checks
        raise DataFileError(f"association model {path}: {exc}") from exc


def configured_association(config: ReacquireConfig | None) -> AssociationModel | None:
    """The association model ``config`` asks for (``association_model``, or the bundled one), None when it is off;
    DataFileError when the file cannot be read."""
    if config is None or config.association_min <= 0:
        return None
    return load_association(config.association_model or demo_association())


def save_association(model: AssociationModel, path: str | Path) -> None:
    """Write ``model`` as JSON to ``path``."""
    Path(path).write_text(json.dumps(model.to_json(), indent=2) + "\n", encoding="utf-8")


def fit_association(cues: Sequence[CandidateCues], labels: Sequence[bool], l2: float = 1.0,
                    iterations: int = 50, fitted: dict[str, Any] | None = None) -> AssociationModel:
    """Logistic regression of ``labels`` (the candidate is the target) on the cues, L2-penalized (Newton steps)."""
    if len(cues) != len(labels) or len(set(labels)) < 2:
        raise TrainingError("fitting an association model needs candidates of both kinds (the target and others), "
                            f"one label each: got {len(cues)} candidates, {sum(labels)} of {len(labels)} on the target")
    x = np.stack([c.vector() for c in cues])  # [N, cues]
    y = np.asarray(labels, dtype=np.float64)  # [N]
    mean, scale = x.mean(0), x.std(0) + 1e-9
    design = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])  # [N, 1 + cues]: bias column first
    penalty = l2 * np.diag([0.0] + [1.0] * len(CUES))
    w = np.zeros(design.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-design @ w))
        gradient = design.T @ (p - y) + penalty @ w
        hessian = (design * (p * (1.0 - p))[:, None]).T @ design + penalty
        w -= np.linalg.solve(hessian, gradient)
    return AssociationModel(tuple(mean.tolist()), tuple(scale.tolist()), tuple(w[1:].tolist()), float(w[0]),
                            dict(fitted or {}))


def roc_auc(probabilities: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the ROC curve: the chance that a target candidate gets a higher probability than another one."""
    p, y = np.asarray(probabilities, dtype=np.float64), np.asarray(labels, dtype=bool)
    positives, negatives = p[y], p[~y]
    if not len(positives) or not len(negatives):
        return float("nan")
    wins = (positives[:, None] > negatives[None, :]) + 0.5 * (positives[:, None] == negatives[None, :])
    return float(wins.mean())
