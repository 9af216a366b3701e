"""Evaluation tools: the eval set (``cases``), the judge, runs over systems (``run``), the abstention calibration,
the baselines, the regression gate, the HTML report, and the bench (``bench`` with ``stats``, ``probes``, ``load``
and ``synthetic``).

Evals may import the core ``bot`` modules but never ``bot.web``; nothing in the core imports evals.
"""
