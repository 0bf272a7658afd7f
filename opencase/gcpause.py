"""Pausing Python's cyclic garbage collector while a step builds many long-lived objects.

Reading 100,000 records builds millions of dicts, lists and strings, and validating them for
publishing keeps a model object of each, none of them in a reference cycle. The cyclic
collector still walks them over and over as they accumulate (its cost grows with everything
alive). Paused where they accumulate: reading (:func:`opencase.reading.files.read_records`),
validation that keeps every record (``publish``), and building the published tables
(docs/performance.md has each one's gain). The checks of ``opencase validate``, which drop
each record's model object once checked, run with the collector as it is. Reference
counting frees everything as usual while the collector is paused; it is switched back on
afterwards, as it was.
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
