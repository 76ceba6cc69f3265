"""The progress bar every benchmark shows on stderr."""

from __future__ import annotations

import sys


def bar(**kwargs):
    """A tqdm bar on stderr, redrawn at most twice a second (``unit_scale`` by default)."""
    from tqdm import tqdm

    kwargs.setdefault("unit_scale", True)
    return tqdm(file=sys.stderr, dynamic_ncols=True, mininterval=0.5, **kwargs)
