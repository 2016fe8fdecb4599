"""Progress of long work: the flows report it, whoever listens shows it (the command line draws a bar
on a terminal and prints plain lines otherwise; a Prefect run logs it). In-process only."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

Listener = Callable[["Progress"], None]
_listeners: list[Listener] = []


@dataclass(frozen=True)
class Progress:
    work: str  # what is being done: "tempo pages", "reparse pages"
    done: int
    total: int
    seconds_left: float | None = None  # estimated; None before the first step


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """`listener` receives every report made inside the block."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


def report(progress: Progress) -> None:
    for listener in list(_listeners):
        listener(progress)
