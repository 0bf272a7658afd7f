"""The parts of the record language that need no pydantic: id patterns, controlled
vocabularies and the checks of single values.

:mod:`opencase.language.models` builds the models from these; code that needs only a
vocabulary or a pattern (reading, publishing) imports it from here without importing pydantic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic_core import PydanticCustomError

from opencase.language.edtf import EDTFError, parse_edtf

__all__ = [
    "ID_PATTERN",
    "SHA256_PATTERN",
    "EventType",
    "FindingType",
    "OrganisationType",
    "ParticipantRole",
    "ProceedingStatus",
    "ProceedingType",
    "RefField",
    "RelationshipType",
    "SourceKind",
    "StatementKind",
    "check_edtf",
    "no_items",
    "whole_number",
]

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
"""Record ids: lowercase ASCII letters and digits in words joined by single hyphens."""

SHA256_PATTERN = r"^[0-9a-f]{64}$"


@dataclass(frozen=True, slots=True)
class RefField:
    """A reference field of a model: ``field`` (and ``sub`` inside each list item), its kinds."""

    field: str
    kinds: tuple[str, ...]
    many: bool = False
    sub: str | None = None


_VALID_DATES: set[str] = set()  # dates already checked (a dataset repeats its dates)


def check_edtf(value: str) -> str:
    """An EDTF date field's check: ``value`` itself, or an ``edtf`` (``edtf_order`` for an
    interval that ends before it starts) error."""
    if value in _VALID_DATES:
        return value
    try:
        parse_edtf(value)
    except EDTFError as exc:
        kind = "edtf_order" if "before it starts" in str(exc) else "edtf"
        raise PydanticCustomError(kind, "{reason}", {"reason": str(exc)}) from None
    if len(_VALID_DATES) < 100_000:
        _VALID_DATES.add(value)
    return value


def whole_number(value: Any) -> Any:
    """Record files hold text: a whole number must be written as digits only (``52``), not
    ``52.0``, ``5_2``, ``+52`` or ``1e3``, which YAML or Python would also read as numbers."""
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise PydanticCustomError(
            "int_parsing", "Input should be a whole number written in digits, e.g. 52"
        )
    return value


_DIGITS = re.compile(r"[0-9]{1,18}")


def no_items() -> list[Any]:
    """A new empty list: the default of list fields. (A Python function rather than ``list``:
    pydantic inspects a factory's signature, which for a builtin means parsing its text
    signature, tens of milliseconds when the models are built at start-up.)"""
    return []


# ---------------------------------------------------------------- vocabularies


class SourceKind(StrEnum):
    """What kind of document a source is."""

    NEWS_ARTICLE = "news-article"
    BLOG_POST = "blog-post"
    OFFICIAL_STATEMENT = "official-statement"
    REPORT = "report"
    INTERVIEW = "interview"
    BROADCAST = "broadcast"
    COURT_RECORD = "court-record"
    OTHER = "other"


class OrganisationType(StrEnum):
    """What an organisation is."""

    POLICE_FORCE = "police-force"
    POLICE_OVERSIGHT = "police-oversight"
    NEWS_ORGANISATION = "news-organisation"
    COURT = "court"
    CORONER = "coroner"
    GOVERNMENT = "government"
    CHARITY = "charity"
    CAMPAIGN = "campaign"
    COMPANY = "company"
    OTHER = "other"


class EventType(StrEnum):
    """What happened."""

    MURDER = "murder"
    DEATH = "death"
    ATTACK = "attack"
    DISCOVERY = "discovery"
    ARREST = "arrest"
    CHARGE = "charge"
    TRIAL = "trial"
    CONVICTION = "conviction"
    SENTENCING = "sentencing"
    INVESTIGATION = "investigation"
    INTERVIEW = "interview"
    DECISION = "decision"
    REPORT = "report"
    PUBLICATION = "publication"
    STATEMENT = "statement"
    WARNING = "warning"
    FAILURE = "failure"
    OTHER = "other"


class ParticipantRole(StrEnum):
    """The part someone played in an event."""

    VICTIM = "victim"
    PERPETRATOR = "perpetrator"
    SUSPECT = "suspect"
    DEFENDANT = "defendant"
    INVESTIGATOR = "investigator"
    DECISION_MAKER = "decision-maker"
    SUBJECT = "subject"
    WITNESS = "witness"
    SPEAKER = "speaker"
    REPORTER = "reporter"
    AFFECTED = "affected"
    RECIPIENT = "recipient"
    OTHER = "other"


class ProceedingType(StrEnum):
    """What kind of proceeding."""

    CRIMINAL_INVESTIGATION = "criminal-investigation"
    CRIMINAL_TRIAL = "criminal-trial"
    MISCONDUCT_INVESTIGATION = "misconduct-investigation"
    INQUEST = "inquest"
    INQUIRY = "inquiry"
    REVIEW = "review"
    APPEAL = "appeal"
    CIVIL_CLAIM = "civil-claim"
    OTHER = "other"


class ProceedingStatus(StrEnum):
    """Where a proceeding stood, as its sources report."""

    PLANNED = "planned"
    DELAYED = "delayed"
    ONGOING = "ongoing"
    CONCLUDED = "concluded"
    UNKNOWN = "unknown"


class FindingType(StrEnum):
    """What a proceeding found or decided."""

    VERDICT = "verdict"
    SENTENCE = "sentence"
    FAILING = "failing"
    RECOMMENDATION = "recommendation"
    DECISION = "decision"
    COUNT = "count"
    CONCLUSION = "conclusion"
    REQUIREMENT = "requirement"
    OTHER = "other"


class StatementKind(StrEnum):
    """How a statement is given by its source."""

    QUOTE = "quote"
    PARAPHRASE = "paraphrase"
    OPINION = "opinion"
    POSITION = "position"
    CLAIM = "claim"


class RelationshipType(StrEnum):
    """How two actors are related (read: subject <type> object)."""

    FLATMATE_OF = "flatmate-of"
    FORMER_FLATMATE_OF = "former-flatmate-of"
    FAMILY_OF = "family-of"
    FRIEND_OF = "friend-of"
    PARTNER_OF = "partner-of"
    MEMBER_OF = "member-of"
    EMPLOYED_BY = "employed-by"
    PART_OF = "part-of"
    KILLED = "killed"
    INVESTIGATED = "investigated"
    REPRESENTS = "represents"
    OTHER = "other"


# ---------------------------------------------------------------- kinds
