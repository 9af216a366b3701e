"""How confident the assistant may be that the plan answers a question: a logistic model over the retrieval
signals, fitted on the eval set by ``python -m bot eval --calibrate`` (one model, no per-question rules)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
FEATURES = ("dense", "dense_z", "coverage", "known", "grams", "rare", "procedural", "injection", "other_year", "zh")


@dataclass(frozen=True)
class Calibration:
    """Logistic model over the retrieval signals: P(the plan answers this question).

    Fitted on the eval set by ``python -m bot eval --calibrate`` (one model, no per-question rules).
    """

    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> "Calibration":
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(weights=tuple(float(data["weights"].get(f, 0.0)) for f in FEATURES), bias=float(data["bias"]),
                   threshold=float(data.get("threshold", 0.5)))

    def probability(self, signals: dict[str, float]) -> float:
        z = self.bias + sum(w * signals.get(f, 0.0) for w, f in zip(self.weights, FEATURES))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def confident(self, signals: dict[str, float]) -> bool:
        return bool(signals) and self.probability(signals) >= self.threshold


def fit_calibration(rows: list[tuple[dict[str, float], bool]], steps: int = 4000, lr: float = 0.5,
                    l2: float = 1e-3) -> dict[str, Any]:
    """Fit the logistic model (answerable = 1) by gradient descent; pick the threshold with best accuracy."""
    import numpy as np

    x = np.array([[r[0].get(f, 0.0) for f in FEATURES] for r in rows], dtype=np.float64)
    y = np.array([1.0 if r[1] else 0.0 for r in rows])
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    xs = (x - mean) / std
    w = np.zeros(xs.shape[1])
    b = 0.0
    balance = np.where(y == 1, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xs @ w + b)))
        g = (p - y) * balance
        w -= lr * (xs.T @ g / len(y) + l2 * w)
        b -= lr * g.mean()
    weights = w / std
    bias = b - float((w * mean / std).sum())
    probs = 1 / (1 + np.exp(-(x @ weights + bias)))
    best = max((float(((probs >= t) == (y == 1)).mean()), -abs(t - 0.5), t) for t in np.linspace(0.2, 0.8, 61))
    return {"weights": dict(zip(FEATURES, map(float, weights))), "bias": float(bias),
            "threshold": round(float(best[2]), 3), "train_accuracy": round(best[0], 4), "cases": len(rows)}
