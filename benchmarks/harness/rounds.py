"""Interleaved runs: A and B (or more) alternating over N rounds, so that both see the same
machine; and what to keep of each one's rounds."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def alternating(items: Sequence[T], rounds: int, mirrored: bool = True
                ) -> Iterator[tuple[int, T]]:
    """(round, item) for ``rounds`` rounds, the order reversed every other round (ABBA…;
    ABAB… unless ``mirrored``)."""
    for n in range(rounds):
        for item in (items if n % 2 == 0 or not mirrored else items[::-1]):
            yield n, item


def interleaved(runs: dict[str, Callable[[], float]], rounds: int, mirrored: bool = True
                ) -> dict[str, list[float]]:
    """Every run's figures over ``rounds`` alternating rounds, by name."""
    figures: dict[str, list[float]] = {name: [] for name in runs}
    for _, name in alternating(list(runs), rounds, mirrored):
        figures[name].append(runs[name]())
    return figures


def best(figures: dict[str, list[float]], lowest: bool = False) -> dict[str, float]:
    """Each name's best figure: the highest (a rate) or, with ``lowest``, the lowest (a time)."""
    pick = min if lowest else max
    return {name: pick(values) for name, values in figures.items()}


def median(figures: dict[str, list[float]]) -> dict[str, float]:
    """Each name's median figure."""
    return {name: statistics.median(values) for name, values in figures.items()}
