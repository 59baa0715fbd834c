"""Timing helpers: interleaved rounds, medians and percentiles."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def interleaved(
    cases: Mapping[str, Callable[[], object]],
    rounds: int,
    *,
    warmup: int = 2,
    before_each: Callable[[], object] | None = None,
    cpu: dict[str, list[float]] | None = None,
) -> dict[str, list[float]]:
    """Seconds per call of each case, measured in interleaved rounds (ABC, BCA, CAB, ...).

    Interleaving spreads slow drifts of the machine (other processes, CPU frequency) evenly
    over the cases, and rotating the order cancels any advantage of going first in a round.
    ``before_each`` (untimed) resets state, such as the rate limiter's buckets. ``cpu``, when
    given, receives each call's CPU time (this process, all threads): unlike wall time, other
    processes on the machine barely move it.
    """
    names = list(cases)
    samples: dict[str, list[float]] = {name: [] for name in names}
    gc.collect()
    for round_ in range(warmup + rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            if before_each is not None:
                before_each()
            cpu_start = time.process_time()
            start = time.perf_counter()
            cases[name]()
            elapsed = time.perf_counter() - start
            cpu_elapsed = time.process_time() - cpu_start
            if round_ >= warmup:
                samples[name].append(elapsed)
                if cpu is not None:
                    cpu.setdefault(name, []).append(cpu_elapsed)
    return samples


def paired_ratio(samples: dict[str, list[float]], numerator: str, denominator: str) -> float:
    """The median of per-round ratios: robust to drift between rounds."""
    return median([a / b for a, b in zip(samples[numerator], samples[denominator], strict=True)])
