"""What the benchmarks share to report: progress lines on stderr, timing, rates."""

import sys
import time


def say(message: str) -> None:
    """A progress line on stderr (stdout carries the benchmark's JSON)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed(fn, *args, **kwargs):
    """fn's result and the seconds it took."""
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def rate(count: float, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0
