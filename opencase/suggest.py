""""Did you mean": the one close spelling of a mistyped name among the names allowed there.

Close means a few typing slips away: at most one edit (a letter added, dropped, changed, or
two neighbours swapped) per three characters of the word, and at least one. So ``titel``
gives ``title``, ``nam`` gives ``name`` and ``partys`` gives ``parties``, but ``title`` does
not give ``cite`` (two edits in five letters): a wrong guess sends a curator the wrong way, no
guess lets them read the list.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["closest"]


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The allowed name nearest to ``word`` (the first of equals, in the order given), or
    ``None`` when none is close (see the module docstring)."""
    from rapidfuzz.distance import OSA  # (only when something is misspelt)
    from rapidfuzz.process import extractOne

    limit = max(1, len(word) // 3)
    found = extractOne(word, list(choices), scorer=OSA.distance, score_cutoff=limit)
    return None if found is None else str(found[0])
