"""Pausing Python's cyclic garbage collector while a step builds many long-lived objects.

Reading 100,000 records builds millions of dicts, lists and strings, none of them in a
reference cycle. The cyclic collector still walks them over and over as they accumulate (its
cost grows with everything alive). Paused where that pays: reading
(:func:`opencase.reading.files.read_records`: 1.6x at 100k events) and building the published
tables. (Validation itself runs with the collector as it is: paused, it gained 1.1-1.2x when
only the issues are asked for, and about 1.3x beyond reading when every record is kept for
publishing, short of the 1.5x that speed machinery must earn.) Reference counting frees
everything as usual while the collector is paused; it is switched back on afterwards, as it
was.
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
