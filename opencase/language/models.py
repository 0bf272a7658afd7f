"""The record models: the one source of truth for every schema opencase publishes.

Each kind of record (``people``, ``events``, ...) is a pydantic model. JSON Schema for record
files, Table Schema for the published tables and the Arrow schemas are all generated from these
classes (see :mod:`opencase.publishing.schemas`), and validation checks records with them. The
fields of each kind are read through one introspection, :mod:`opencase.language.spec`. Field
metadata it reads:

- ``RefTo(kinds)`` on a string field: the value is the id of a record of one of ``kinds``;
- ``EDTFDate``: an EDTF string, published with ``<field>_start`` / ``<field>_end`` columns;
- controlled vocabularies are :class:`enum.StrEnum` subclasses, published as ``categories``;
- ``json_schema_extra`` markers for publishing: ``x-table`` (the field's items go into that
  shared cross-kind table: ``names``, ``reported_values``, ``field_statuses``, with
  ``x-status`` naming the status of a ``field_statuses`` field) and ``x-column`` (the published
  column's name, when the field's own name is an SQL reserved word: ``case`` -> ``case_id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from opencase.language.fields import (
    ID_PATTERN,
    SEMVER_PATTERN,
    SHA256_PATTERN,
    EventType,
    FindingType,
    LinkType,
    NameType,
    OrganisationType,
    ParticipantRole,
    PartyRole,
    ProceedingStatus,
    ProceedingType,
    RelationshipType,
    SourceKind,
    StatementKind,
    as_text,
    check_edtf,
    no_items,
    whole_number,
)

__all__ = [
    "ID_PATTERN",
    "KINDS",
    "MODEL_VERSION",
    "Case",
    "Citation",
    "Correction",
    "EDTFDate",
    "Event",
    "EventType",
    "Finding",
    "FindingType",
    "Group",
    "Link",
    "LinkType",
    "NameType",
    "NameVariant",
    "Organisation",
    "OrganisationType",
    "Participant",
    "ParticipantRole",
    "Party",
    "PartyRole",
    "Person",
    "Proceeding",
    "ProceedingStatus",
    "ProceedingType",
    "Record",
    "RefTo",
    "Relationship",
    "RelationshipType",
    "ReportedValue",
    "Source",
    "SourceKind",
    "Statement",
    "StatementKind",
    "UncitedPassage",
]

MODEL_VERSION = 2
"""The version of the case model these classes define (``model:`` in package.yaml)."""


@dataclass(frozen=True, slots=True)
class RefTo:
    """Marks a string field as a reference to a record of one of ``kinds``."""

    kinds: tuple[str, ...]


EDTFDate = Annotated[
    str,
    AfterValidator(check_edtf),
    Field(json_schema_extra={"format": "edtf"}),
]
"""An EDTF date string (``2016``, ``2019-07``, ``2014/2015``, ``2020~``...)."""

Text = Annotated[str, StringConstraints(min_length=1, max_length=100_000)]
Prefix = Annotated[
    Text | None, Field(description="Text just before the quote, to pick one of several matches.")
]
"""A quote's ``prefix`` (citations and uncited passages alike)."""
Suffix = Annotated[
    Text | None, Field(description="Text just after the quote, to pick one of several matches.")
]
"""A quote's ``suffix``."""


Count = Annotated[int, Field(ge=0), BeforeValidator(whole_number)]
"""A count: a whole number, 0 or more, written in digits only in record files."""
Age = Annotated[int, Field(ge=0, le=130), BeforeValidator(whole_number)]
"""An age in years, 0 to 130, written in digits only in record files."""
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=120)]


def ref(*kinds: str) -> Any:
    """The type of a field holding the id of a record of one of ``kinds``."""
    return Annotated[
        str,
        StringConstraints(pattern=ID_PATTERN, max_length=120),
        RefTo(kinds),
        Field(json_schema_extra={"x-references": list(kinds)}),
    ]


ACTORS = ("people", "organisations", "groups")
if TYPE_CHECKING:  # to a type checker, a reference is the str it holds
    SourceRef = str
    CaseRef = str
    ActorRef = str
    OrganisationRef = str
    PersonRef = str
    GroupRef = str
    ProceedingRef = str
    SpeakerRef = str
    AnyRef = str
else:
    SourceRef = ref("sources")
    CaseRef = ref("cases")
    ActorRef = ref(*ACTORS)
    OrganisationRef = ref("organisations")
    PersonRef = ref("people")
    GroupRef = ref("groups")
    ProceedingRef = ref("proceedings")
    SpeakerRef = ref(*ACTORS, "sources")
    AnyRef = ref(
        "cases",
        "people",
        "organisations",
        "groups",
        "events",
        "proceedings",
        "findings",
        "statements",
        "sources",
        "relationships",
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, use_enum_values=False)


def no_fields() -> dict[str, Any]:
    """A new empty mapping: the default of ``unknown`` and ``not_applicable``."""
    return {}


class Citation(_Strict):
    """The passage of a source that a record (or some of its fields) rests on."""

    source: SourceRef = Field(description="Id of the source the quote comes from.")
    quote: Text = Field(
        description="The exact words of the source (typographic quotes, dashes and white "
        "space may differ)."
    )
    prefix: Prefix = None
    suffix: Suffix = None
    supports: list[str] | None = Field(
        None,
        min_length=1,
        description="The fields of the record this passage backs; omitted: the whole record.",
    )
    via: SourceRef | None = Field(
        None,
        description="The source in whose text the quote is found, when `source` is known only "
        "because `via` quotes it.",
    )
    note: Text | None = Field(None, description="A curator's note on this citation.")


FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]


class NameVariant(_Strict):
    """Another name by which the sources refer to a record: a spelling, initials, a short
    name, an office, ..., with the passages that use it."""

    name: Text = Field(description="The name as the source gives it.")
    type: NameType = Field(description="What kind of variant it is.")
    cite: list[Citation] = Field(min_length=1, description="The passages that use this name.")


class ReportedValue(_Strict):
    """One value of a field as a source reports it, when sources disagree."""

    field: FieldName = Field(description="The field of the record the value is for.")
    value: Annotated[Text, BeforeValidator(as_text, json_schema_input_type=Text | int | float)
                     ] = Field(
        description="The value as this source reports it, written as the field would be."
    )
    preferred: bool = Field(
        False, description="Whether the curator prefers this value (it is then the field's)."
    )
    reason: Reason | None = Field(
        None, description="Why the curator prefers (or doubts) this value."
    )
    cite: list[Citation] = Field(
        min_length=1, description="The passages that report this value."
    )


class Record(_Strict):
    """Fields every record has."""

    table: ClassVar[str] = ""
    singular: ClassVar[str] = ""
    cite_required: ClassVar[bool] = True
    curated: ClassVar[frozenset[str]] = frozenset()
    """Fields that say something of the curation, not of the case (a correction's ``date``):
    no source states them, so the evidence lint does not look for them in quotes."""

    id: Id = Field(description="Unique id across the whole dataset (lowercase slug).")
    cite: list[Citation] = Field(
        default_factory=no_items,
        description="The passages this record rests on (at least one).",
    )
    reported: list[ReportedValue] = Field(
        default_factory=no_items,
        description="Values of this record's fields as each source reports them, when the "
        "sources disagree; the field itself holds the preferred one (or is empty when the "
        "curator prefers none).",
        json_schema_extra={"x-table": "reported_values"},
    )
    unknown: dict[FieldName, Reason | None] = Field(
        default_factory=no_fields,
        description="Fields the sources do not give (the value exists but is not known), "
        "each with an optional reason.",
        json_schema_extra={"x-table": "field_statuses", "x-status": "unknown"},
    )
    not_applicable: dict[FieldName, Reason | None] = Field(
        default_factory=no_fields,
        description="Fields that do not apply to this record, each with an optional reason.",
        json_schema_extra={"x-table": "field_statuses", "x-status": "not-applicable"},
    )


class Case(Record):
    """A case: the subject a dataset is about."""

    table: ClassVar[str] = "cases"
    singular: ClassVar[str] = "case"

    name: Text = Field(description="The name the case is known by.")
    description: Text | None = Field(None, description="What the case is, as the sources say.")
    date: EDTFDate | None = Field(None, description="When the case's events took place.")


class UncitedPassage(_Strict):
    """A passage of a source's own snapshot that no record cites on purpose, and why.

    ``opencase coverage`` counts the sentences it covers as covered (listed apart from the
    cited ones), e.g. a headline repeated as a sub-heading."""

    quote: Text = Field(
        description="The exact words of the passage, usually a whole sentence or heading "
        "(typographic quotes, dashes and white space may differ)."
    )
    prefix: Prefix = None
    suffix: Suffix = None
    reason: Text = Field(description="Why the passage is deliberately not cited.")


class Source(Record):
    """A document that records cite: an article with a snapshot, or one known through another."""

    table: ClassVar[str] = "sources"
    singular: ClassVar[str] = "source"
    cite_required: ClassVar[bool] = False  # required unless it has a snapshot (sha256)

    title: Text | None = Field(None, description="Its title or headline; null when not known.")
    kind: SourceKind = Field(description="What kind of document it is.")
    publisher: OrganisationRef | None = Field(
        None, description="Organisation that published it; null when not known."
    )
    author: PersonRef | None = Field(
        None, description="Person who wrote or said it; null when not known."
    )
    url: Text | None = Field(None, description="Where it was published; null when not known.")
    published: EDTFDate | None = Field(None, description="When it was published.")
    language: Text | None = Field(
        None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", description="BCP 47 language tag."
    )
    sha256: str | None = Field(
        None,
        pattern=SHA256_PATTERN,
        description="SHA-256 of the snapshot text (raw bytes), by which the snapshot is found.",
    )
    description: Text | None = Field(None, description="What the document is.")
    uncited: list[UncitedPassage] = Field(
        default_factory=no_items,
        description="Passages of this source's snapshot deliberately left uncited, each with "
        "the reason (counted as covered by `opencase coverage`).",
    )


class Person(Record):
    """A person: named, or known only by an office, a rank or a description."""

    table: ClassVar[str] = "people"
    singular: ClassVar[str] = "person"

    name: Text | None = Field(
        None, description="Name as the sources give it; empty for a person known only by an "
        "office or a description."
    )
    title: Text | None = Field(None, description="A title or honorific: Dr, Dame, Lord, ...")
    rank: Text | None = Field(None, description="A rank, e.g. Detective Inspector.")
    office: Text | None = Field(
        None, description="An office or post they hold in the case, e.g. Chief Executive."
    )
    description: Text | None = Field(None, description="Who they are, as the sources say.")
    reported_age: Age | None = Field(
        None, description="Age in years as reported by the cited source."
    )
    reported_age_as_of: EDTFDate | None = Field(
        None,
        description="When the reported age applied, if the source says; null when it does not.",
    )
    names: list[NameVariant] = Field(
        default_factory=no_items, description="Other names the sources use for them.",
        json_schema_extra={"x-table": "names"},
    )


class Organisation(Record):
    """An organisation: police force, watchdog, court, publisher, ..."""

    table: ClassVar[str] = "organisations"
    singular: ClassVar[str] = "organisation"

    name: Text = Field(description="Name as the sources give it.")
    short_name: Text | None = Field(None, description="Abbreviation used by the sources.")
    type: OrganisationType = Field(description="What kind of organisation.")
    description: Text | None = Field(None, description="What it is, as the sources say.")
    names: list[NameVariant] = Field(
        default_factory=no_items, description="Other names the sources use for it.",
        json_schema_extra={"x-table": "names"},
    )


class Group(Record):
    """A set of people counted or described but not named (e.g. "17 officers")."""

    table: ClassVar[str] = "groups"
    singular: ClassVar[str] = "group"

    name: Text = Field(description="A short label for the group.")
    count: Count | None = Field(None, description="How many people, as reported.")
    organisation: OrganisationRef | None = Field(
        None, description="Organisation its members belong to."
    )
    part_of: GroupRef | None = Field(
        None, description="A larger group this one is a subset of."
    )
    description: Text | None = Field(None, description="What the sources say of the group.")
    names: list[NameVariant] = Field(
        default_factory=no_items, description="Other names the sources use for it.",
        json_schema_extra={"x-table": "names"},
    )


class Participant(_Strict):
    """Someone who took part in an event, and how."""

    who: ActorRef = Field(description="Id of a person, organisation or group.")
    role: ParticipantRole = Field(description="The part they played.")


class Party(_Strict):
    """A person, organisation or group with a part in a proceeding."""

    who: ActorRef = Field(description="Id of a person, organisation or group.")
    role: PartyRole = Field(description="Their part in the proceeding.")
    represents: ActorRef | None = Field(
        None, description="The party they act for (counsel, representative)."
    )


class Link(_Strict):
    """How a proceeding relates to another record: <proceeding> <type> <target>."""

    type: LinkType = Field(description="How they are related.")
    target: AnyRef = Field(description="The record it is related to (any kind).")


class Event(Record):
    """Something that happened."""

    table: ClassVar[str] = "events"
    singular: ClassVar[str] = "event"

    case: CaseRef = Field(description="The case the event belongs to.",
                          json_schema_extra={"x-column": "case_id"})
    type: EventType = Field(description="What kind of event.")
    date: EDTFDate | None = Field(None, description="When, no more precise than the source.")
    description: Text = Field(description="What happened, as the sources report it.")
    place: Text | None = Field(None, description="Where, as the sources say.")
    proceeding: ProceedingRef | None = Field(
        None, description="The proceeding (investigation, trial, inquest...) it was part of."
    )
    participants: list[Participant] = Field(
        default_factory=no_items, description="Who took part and in what role."
    )


class Proceeding(Record):
    """An investigation, trial, inquest, inquiry or review."""

    table: ClassVar[str] = "proceedings"
    singular: ClassVar[str] = "proceeding"

    case: CaseRef = Field(description="The case the proceeding belongs to.",
                          json_schema_extra={"x-column": "case_id"})
    type: ProceedingType = Field(description="What kind of proceeding.")
    name: Text = Field(description="A short name for the proceeding.")
    conducted_by: ActorRef | None = Field(
        None, description="Who conducted it: an organisation, a person (a judge, a coroner) or "
        "a group (a panel)."
    )
    date: EDTFDate | None = Field(None, description="When it took place.")
    status: ProceedingStatus | None = Field(
        None, description="Where it stood, as its latest source reports."
    )
    description: Text | None = Field(None, description="What it is, as the sources say.")
    subjects: list[ActorRef] = Field(
        default_factory=no_items, description="Whom or what it examined."
    )
    parties: list[Party] = Field(
        default_factory=no_items,
        description="Who had a part in it (claimant, defendant, coroner, jury, counsel, ...) "
        "and whom each acted for.",
    )
    links: list[Link] = Field(
        default_factory=no_items,
        description="Other proceedings and records it follows, reviews, appeals, quashes, "
        "arises from or is part of.",
    )
    names: list[NameVariant] = Field(
        default_factory=no_items, description="Other names the sources use for it.",
        json_schema_extra={"x-table": "names"},
    )


class Finding(Record):
    """What a proceeding found or decided."""

    table: ClassVar[str] = "findings"
    singular: ClassVar[str] = "finding"

    proceeding: ProceedingRef = Field(
        description="The proceeding that made the finding."
    )
    type: FindingType = Field(description="What kind of finding.")
    description: Text = Field(description="What was found or decided, as reported.")
    date: EDTFDate | None = Field(None, description="When it was made, if reported.")
    count: Count | None = Field(None, description="A number the finding states, if any.")
    subjects: list[AnyRef] = Field(
        default_factory=no_items,
        description="The records the finding is about: people, organisations, groups, events, "
        "sources (e.g. a report), other findings, ...",
    )


class Statement(Record):
    """Words attributed to a speaker: a quote, a paraphrase, an opinion, a position."""

    table: ClassVar[str] = "statements"
    singular: ClassVar[str] = "statement"

    speaker: SpeakerRef = Field(
        description="Who said it. A source as speaker means that source's own (possibly "
        "unnamed) author."
    )
    type: StatementKind = Field(description="How the words are given.")
    text: Text = Field(description="The words, as the source gives them.")
    date: EDTFDate | None = Field(None, description="When it was said, if reported.")
    about: list[AnyRef] = Field(
        default_factory=no_items, description="The records the statement is about."
    )


class Relationship(Record):
    """A link between two actors: ``subject`` <type> ``object``."""

    table: ClassVar[str] = "relationships"
    singular: ClassVar[str] = "relationship"

    subject: ActorRef = Field(description="The first actor.")
    type: RelationshipType = Field(description="How they are related.")
    object: ActorRef = Field(description="The second actor.")
    date: EDTFDate | None = Field(None, description="When the relationship held, if reported.")
    description: Text | None = Field(None, description="What the sources say of it.")


CorrectedValue = Annotated[
    Text, BeforeValidator(as_text, json_schema_input_type=Text | int | float)]
"""A value as a version published it, written as text (a number is kept as its text)."""


class Correction(Record):
    """A correction: a value or record an earlier version published wrongly, what it is now, why.

    It is justified by a citation or a note. A correction of one value names the record and
    its ``field``; without ``field`` it corrects the record as a whole (added or removed).
    Without ``new_value`` (and ``field``) the correction removed the record, and ``record`` is
    the id it had."""

    table: ClassVar[str] = "corrections"
    singular: ClassVar[str] = "correction"
    cite_required: ClassVar[bool] = False  # a citation or a `note` (validation checks)
    curated: ClassVar[frozenset[str]] = frozenset({"version", "date"})

    record: Id = Field(
        description="The id of the record corrected: a record of this dataset or, when the "
        "correction removed the record, the id it had.",
        json_schema_extra={"x-column": "record_id"},
    )
    field: FieldName | None = Field(
        None, description="The field corrected, by its name in the record files; empty: the "
        "record as a whole (e.g. added or removed)."
    )
    old_value: CorrectedValue | None = Field(
        None, description="The value as an earlier version published it, written as text; "
        "empty: there was none."
    )
    new_value: CorrectedValue | None = Field(
        None, description="The value now, written as text; empty: removed."
    )
    reason: Text = Field(description="What was wrong, and why it changed.")
    version: str = Field(
        pattern=SEMVER_PATTERN,
        description="The dataset version that first publishes the correction (semantic "
        "versioning, e.g. 2.0.0).",
    )
    date: EDTFDate | None = Field(None, description="When the correction was made.")
    note: Text | None = Field(
        None, description="A curator's note that justifies the correction when no citation "
        "does (a correction needs at least one citation or a note)."
    )


KINDS: dict[str, type[Record]] = {
    m.table: m
    for m in (
        Case,
        Source,
        Person,
        Organisation,
        Group,
        Event,
        Proceeding,
        Finding,
        Statement,
        Relationship,
        Correction,
    )
}
"""Every record kind, by the top-level key used in record files (and its table name)."""
