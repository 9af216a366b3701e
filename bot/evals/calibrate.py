"""Fitting the abstention model on an eval run's retrieval signals (``python -m bot eval --calibrate``).

The model itself (features, fitting, the file it is read from) is ``bot.answer``'s; this module feeds it a run
and checks it on cases it was not fitted on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..confidence import FEATURES, Calibration, fit_calibration

if TYPE_CHECKING:
    from .run import Run


def cross_validate(rows: list[tuple[dict[str, float], bool]], folds: int = 5) -> dict[str, float]:
    """Abstention precision / recall of the model on cases it was not fitted on (k-fold)."""
    tp = fp = fn = 0
    for k in range(folds):
        train = [r for i, r in enumerate(rows) if i % folds != k]
        fitted = fit_calibration(train)
        model = Calibration(weights=tuple(fitted["weights"][f] for f in FEATURES), bias=fitted["bias"],
                            threshold=fitted["threshold"])
        for i, (signals, answerable) in enumerate(rows):
            if i % folds == k:
                abstains = not model.confident(signals)
                tp += abstains and not answerable
                fp += abstains and answerable
                fn += (not abstains) and not answerable
    return {"folds": folds, "abstention_precision": round(tp / max(1, tp + fp), 4),
            "abstention_recall": round(tp / max(1, tp + fn), 4)}


def calibrate(run: "Run", path: Path) -> dict[str, Any]:
    """Fit the abstention model on this run's retrieval signals and write it next to the code."""
    rows = [(o.answer.get("_top") or {}, not o.case.abstain) for o in run.outcomes]
    fitted = fit_calibration(rows)
    fitted["cross_validation"] = cross_validate(rows)
    path.write_text(json.dumps(fitted, indent=2) + "\n", encoding="utf-8")
    return fitted
