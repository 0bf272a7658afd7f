"""Pausing Python's cyclic garbage collector while a step builds many objects.

Reading and validating 100,000 records creates millions of dicts, lists and model objects,
none of them in a reference cycle. The cyclic collector still walks them over and over as they
accumulate (its cost grows with everything alive), which more than doubled the time of
``opencase validate`` on large datasets. Reference counting frees everything as usual while the
collector is paused; it is switched back on afterwards, as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]


@contextmanager
def paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the ``with`` block (re-entrant)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
