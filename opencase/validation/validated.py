"""What validation keeps for publishing: the records that validated, and where each quote is."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from opencase.language.casemodel import STANDARD, CaseModel
from opencase.language.models import KINDS, Record
from opencase.validation.quotes import Match, SnapshotIndex

__all__ = ["CitationCheck", "Dataset"]


@dataclass(frozen=True, slots=True)
class CitationCheck:
    """The outcome of checking one citation: where its quote is (or why it is unverified).

    ``place`` is where the citation list is in its record: ``""`` for the record's own
    ``cite``, ``"names[0]"`` or ``"reported[2]"`` for the ``cite`` of a list item; ``index``
    is the citation's position in that list."""

    record_id: str
    index: int
    text_source: str  # the source whose snapshot holds the quote (``via`` or ``source``)
    sha256: str | None
    match: Match | None
    place: str = ""


@dataclass
class Dataset:
    """The records that validated, by kind (in the curator's order: files by path, records in
    file order), and their citation checks."""

    records: dict[str, list[Record]] = field(default_factory=dict)
    citations: dict[tuple[str, int], CitationCheck] = field(default_factory=dict)
    # (record id, place, index) -> the citations of list items (``names``, ``reported``)
    nested: dict[tuple[str, str, int], CitationCheck] = field(default_factory=dict)
    # (source id, index in its `uncited` list) -> where the marked passage is
    uncited: dict[tuple[str, int], CitationCheck] = field(default_factory=dict)
    snapshots: SnapshotIndex | None = None
    case_model: CaseModel = STANDARD  # the dataset's (package.yaml: model, extensions)

    def all_records(self) -> list[Record]:
        return [r for kind in KINDS for r in self.records.get(kind, [])]

    def all_citations(self) -> Iterator[CitationCheck]:
        """Every citation check: the records' own citations, then those of list items."""
        yield from self.citations.values()
        yield from self.nested.values()
