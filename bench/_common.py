"""Helpers shared by the benchmark scripts (not part of the package)."""

from __future__ import annotations

import platform
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def need_shared(relative: str) -> Path:
    """The path under ../shared, or exit with a clear message when it is absent."""
    path = SHARED / relative
    if not path.exists():
        sys.exit(f"skipped: {path} is not there; put ../shared beside the repository to run this benchmark")
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def pearson(x: list[float], y: list[float]) -> float:
    import numpy as np

    if len(x) < 3 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])
