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
    "FieldStatus",
    "FindingType",
    "LinkType",
    "NameType",
    "OrganisationType",
    "ParticipantRole",
    "PartyRole",
    "ProceedingStatus",
    "ProceedingType",
    "RefField",
    "RelationshipType",
    "SourceKind",
    "StatementKind",
    "Vocabulary",
    "as_text",
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


def as_text(value: Any) -> Any:
    """A reported value written as a number in YAML (``age: 23``) is kept as its text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def no_items() -> list[Any]:
    """A new empty list: the default of list fields. (A Python function rather than ``list``:
    pydantic inspects a factory's signature, which for a builtin means parsing its text
    signature, tens of milliseconds when the models are built at start-up.)"""
    return []


# ---------------------------------------------------------------- vocabularies


class Vocabulary(StrEnum):
    """A controlled vocabulary: each value has a definition (``member.definition``), shown by
    ``opencase vocab``, in the data dictionary and as the label of the Table Schema category.

    A member is declared as ``NAME = "value", "definition"``. A dataset may add values in its
    ``package.yaml`` (see :mod:`opencase.language.extensions`)."""

    definition: str

    def __new__(cls, value: str, definition: str = "") -> Vocabulary:
        member = str.__new__(cls, value)
        member._value_ = value
        member.definition = definition
        return member


class SourceKind(Vocabulary):
    """What kind of document a source is."""

    NEWS_ARTICLE = "news-article", "A report published by a news organisation."
    BLOG_POST = "blog-post", "A post on a blog or a personal or campaign website."
    OFFICIAL_STATEMENT = "official-statement", (
        "A statement issued by an organisation in its own name (other than a press release).")
    PRESS_RELEASE = "press-release", "A text an organisation issues for the press to report."
    REPORT = "report", "A report, e.g. of an investigation, a review or an inquiry."
    COURT_JUDGMENT = "court-judgment", "The judgment or ruling of a court, as it issued it."
    CASE_NOTE = "case-note", "A summary or commentary of a court case, e.g. by a law firm."
    INQUEST_CONCLUSION = "inquest-conclusion", (
        "The record of an inquest's conclusion, e.g. a jury's narrative conclusion.")
    TRANSCRIPT = "transcript", "A written record of what was said at a hearing or meeting."
    INTERVIEW = "interview", "A published interview."
    BROADCAST = "broadcast", "A radio, television or online programme."
    COURT_RECORD = "court-record", "Another document of a court: a listing, an order, ..."
    OTHER = "other", "None of the above; say what it is in the description."


class OrganisationType(Vocabulary):
    """What an organisation is."""

    POLICE_FORCE = "police-force", "A police force or service."
    POLICE_OVERSIGHT = "police-oversight", (
        "A body that investigates or oversees the police, e.g. a police watchdog.")
    PROSECUTOR = "prosecutor", "A public prosecution service."
    COURT = "court", "A court or tribunal."
    CORONER = "coroner", "A coroner's service or court."
    INQUIRY = "inquiry", "A body set up to conduct an inquiry or review."
    GOVERNMENT = "government", "A government, ministry, department or public authority."
    REGULATOR = "regulator", "A regulator or inspectorate (other than of the police)."
    HEALTH_SERVICE = "health-service", "A hospital, ambulance or other health service."
    LAW_FIRM = "law-firm", "A firm or chambers of lawyers."
    NEWS_ORGANISATION = "news-organisation", "A publisher of news."
    CHARITY = "charity", "A charity or non-profit organisation."
    CAMPAIGN = "campaign", "A campaign or advocacy group."
    COMPANY = "company", "A business."
    OTHER = "other", "None of the above; say what it is in the description."


class EventType(Vocabulary):
    """What happened."""

    MURDER = "murder", "A killing reported as murder."
    DEATH = "death", "A death (use murder when it is reported as murder)."
    ATTACK = "attack", "An assault or other violence against a person."
    USE_OF_FORCE = "use-of-force", "Force used by police or other officials on a person."
    RESTRAINT = "restraint", "A person held down or restrained."
    CALL_FOR_HELP = "call-for-help", "A call to the police or emergency services."
    CONTACT = "contact", "A meeting or contact between people, e.g. police attending a call."
    DISCOVERY = "discovery", "Something found, e.g. a body."
    ARREST = "arrest", "A person arrested."
    DETENTION = "detention", "A person held in custody or detained."
    RELEASE = "release", "A person released from custody or detention."
    CHARGE = "charge", "A person charged with an offence."
    TRIAL = "trial", "A criminal trial, or one of its stages."
    CONVICTION = "conviction", "A person convicted of an offence."
    SENTENCING = "sentencing", "A sentence passed."
    HEARING = "hearing", "A hearing of a court, inquest, inquiry or panel."
    JUDGMENT = "judgment", "A court's judgment or ruling given."
    INVESTIGATION = "investigation", "An investigation opened, carried out or closed."
    INTERVIEW = "interview", "A person interviewed, e.g. by investigators."
    REFERRAL = "referral", "A matter referred to another body, e.g. to a watchdog."
    COMPLAINT = "complaint", "A complaint made."
    DECISION = "decision", "A decision made (use judgment for a court's ruling)."
    REPORT = "report", "A report produced or published."
    PUBLICATION = "publication", "Something published, e.g. an article."
    STATEMENT = "statement", "A statement made (its words are a statement record)."
    WARNING = "warning", "A warning or concern raised."
    FAILURE = "failure", "Something that should have been done and was not, as reported."
    OTHER = "other", "None of the above; say what happened in the description."


class ParticipantRole(Vocabulary):
    """The part someone played in an event."""

    VICTIM = "victim", "The person harmed."
    PERPETRATOR = "perpetrator", "The person reported to have done the harm."
    SUSPECT = "suspect", "A person suspected, not (yet) found to have done it."
    DEFENDANT = "defendant", "A person tried or charged."
    DECEASED = "deceased", "The person who died."
    CALLER = "caller", "The person who made a call for help or a report."
    OFFICER = "officer", "A police or other officer acting in their role."
    INVESTIGATOR = "investigator", "A person or body that investigated."
    DECISION_MAKER = "decision-maker", "A person or body that made a decision."
    JUDGE = "judge", "A judge who heard or decided a matter."
    CORONER = "coroner", "A coroner who heard or decided a matter."
    JURY = "jury", "A jury."
    CLAIMANT = "claimant", "A party who brought a claim."
    INTERESTED_PARTY = "interested-party", "A party with a recognised interest in a matter."
    COUNSEL = "counsel", "A lawyer who acted for someone."
    FAMILY = "family", "The family of a person concerned."
    SUBJECT = "subject", "A person or body the event was about."
    WITNESS = "witness", "A person who saw or gave evidence of something."
    SPEAKER = "speaker", "A person or body that spoke or issued a statement."
    REPORTER = "reporter", "A person or body that reported something."
    AFFECTED = "affected", "A person or body affected (other than as victim)."
    RECIPIENT = "recipient", "A person or body something was given or told to."
    OTHER = "other", "None of the above; say which part in the description."


class ProceedingType(Vocabulary):
    """What kind of proceeding."""

    CRIMINAL_INVESTIGATION = "criminal-investigation", "A police investigation of a crime."
    CRIMINAL_TRIAL = "criminal-trial", "A criminal trial."
    MISCONDUCT_INVESTIGATION = "misconduct-investigation", (
        "An investigation of the conduct of police or other officials, e.g. by a watchdog.")
    MISCONDUCT_HEARING = "misconduct-hearing", (
        "A disciplinary hearing or meeting on alleged misconduct.")
    INQUEST = "inquest", "A coroner's inquest into a death."
    PUBLIC_INQUIRY = "public-inquiry", "A public inquiry, e.g. one set up by a government."
    INQUIRY = "inquiry", "Another inquiry."
    REVIEW = "review", "A review of a case, a decision or practice."
    JUDICIAL_REVIEW = "judicial-review", "A court's review of the lawfulness of a decision."
    APPEAL = "appeal", "An appeal against a decision or judgment."
    CIVIL_CLAIM = "civil-claim", "A claim in the civil courts."
    COMPLAINT = "complaint", "The handling of a complaint."
    OTHER = "other", "None of the above; say what it is in the description."


class ProceedingStatus(Vocabulary):
    """Where a proceeding stood, as its sources report."""

    PLANNED = "planned", "Announced or due, not yet begun."
    DELAYED = "delayed", "Reported delayed."
    ONGOING = "ongoing", "Under way."
    CONCLUDED = "concluded", "Finished."
    QUASHED = "quashed", "Its outcome set aside by a court."
    WITHDRAWN = "withdrawn", "Withdrawn or discontinued before it ended."
    UNKNOWN = "unknown", "The sources say it exists but not where it stands."


class FindingType(Vocabulary):
    """What a proceeding found or decided."""

    VERDICT = "verdict", "A verdict, e.g. guilty."
    SENTENCE = "sentence", "A sentence passed."
    CONCLUSION = "conclusion", "A conclusion, e.g. of an inquest or an investigation."
    NARRATIVE_CONCLUSION = "narrative-conclusion", (
        "One finding of an inquest's narrative conclusion.")
    CAUSE_OF_DEATH = "cause-of-death", "The medical cause of a death, as found."
    FINDING_OF_FACT = "finding-of-fact", "A fact that the proceeding found established."
    FAILING = "failing", "A failing found, e.g. of police or officials."
    MISCONDUCT = "misconduct", "Misconduct or gross misconduct found, or a case to answer."
    NO_CASE_TO_ANSWER = "no-case-to-answer", "A finding that someone has no case to answer."
    RULING = "ruling", "A court's ruling on a question of law or procedure."
    ORDER = "order", "An order made, e.g. that a decision be quashed."
    RECOMMENDATION = "recommendation", "A recommendation made."
    REQUIREMENT = "requirement", "Something someone is required to do."
    DECISION = "decision", "Another decision."
    COUNT = "count", "A number the proceeding states (the number is the count field)."
    OTHER = "other", "None of the above; say what it is in the description."


class StatementKind(Vocabulary):
    """How a statement is given by its source."""

    QUOTE = "quote", "The speaker's own words, quoted."
    PARAPHRASE = "paraphrase", "The speaker's words reported, not quoted."
    OPINION = "opinion", "A view or judgement the speaker expresses."
    POSITION = "position", "A stance an organisation or person takes."
    CLAIM = "claim", "An assertion of fact by the speaker that the source does not adopt."


class RelationshipType(Vocabulary):
    """How two actors are related (read: subject <type> object)."""

    PARENT_OF = "parent-of", "The subject is a parent of the object."
    CHILD_OF = "child-of", "The subject is a child (son or daughter) of the object."
    SIBLING_OF = "sibling-of", "The subject is a brother or sister of the object."
    SPOUSE_OF = "spouse-of", "The subject is married to the object."
    PARTNER_OF = "partner-of", "The subject is the partner of the object."
    FAMILY_OF = "family-of", "The subject is family of the object (relation not stated)."
    FRIEND_OF = "friend-of", "The subject is a friend of the object."
    FLATMATE_OF = "flatmate-of", "The subject shares a home with the object."
    FORMER_FLATMATE_OF = "former-flatmate-of", "The subject shared a home with the object."
    COLLEAGUE_OF = "colleague-of", "The subject works with the object."
    MEMBER_OF = "member-of", "The subject is a member of the object (group, organisation)."
    EMPLOYED_BY = "employed-by", "The subject works for the object."
    HOLDS_OFFICE_IN = "holds-office-in", (
        "The subject holds an office (e.g. chief executive) in the object.")
    PART_OF = "part-of", "The subject is part of the object."
    REPRESENTS = "represents", "The subject acts for the object, e.g. as counsel."
    KILLED = "killed", "The subject killed the object."
    INVESTIGATED = "investigated", "The subject investigated the object."
    OTHER = "other", "None of the above; say how in the description."


class PartyRole(Vocabulary):
    """The part a person, organisation or group has in a proceeding."""

    CLAIMANT = "claimant", "Brought the claim or application."
    DEFENDANT = "defendant", "The party a claim is brought against, or tried."
    RESPONDENT = "respondent", "Answers a claim, application or appeal."
    APPELLANT = "appellant", "Brought the appeal."
    INTERESTED_PARTY = "interested-party", "A party with a recognised interest in it."
    PROSECUTION = "prosecution", "Prosecuted."
    ACCUSED = "accused", "Accused of an offence or misconduct."
    DECEASED = "deceased", "The person whose death it concerns."
    FAMILY = "family", "The family of the deceased or of a victim."
    COMPLAINANT = "complainant", "Made the complaint it examines."
    SUBJECT = "subject", "Whose conduct it examines."
    WITNESS = "witness", "Gave evidence."
    COUNSEL = "counsel", "A lawyer who acted for a party (the party is in `represents`)."
    REPRESENTATIVE = "representative", "Acted for a party other than as counsel."
    JUDGE = "judge", "A judge who heard or decided it."
    CORONER = "coroner", "The coroner who conducted it."
    JURY = "jury", "The jury."
    PANEL = "panel", "A panel that heard or decided it."
    COURT = "court", "The court that heard or decided it."
    INVESTIGATOR = "investigator", "Investigated for it."
    DECISION_MAKER = "decision-maker", "Decided its outcome (other than as judge or jury)."
    OTHER = "other", "None of the above; say which part in the record's description."


class LinkType(Vocabulary):
    """How a proceeding relates to another record (read: proceeding <type> target)."""

    FOLLOWS = "follows", "Took place after, and because of, the target."
    REVIEWS = "reviews", "Reviews the target (e.g. a judicial review of a decision)."
    APPEALS = "appeals", "Is an appeal against the target."
    QUASHES = "quashes", "Set the target aside (e.g. quashed a report or a decision)."
    ARISES_FROM = "arises-from", "Was started by the target (e.g. a referral)."
    PART_OF = "part-of", "Is part of the target."
    REOPENS = "reopens", "Reopens or resumes the target."
    REPLACES = "replaces", "Replaces the target (e.g. a fresh inquest)."
    RELATED_TO = "related-to", "Is related to the target in a way the sources do not specify."


class NameType(Vocabulary):
    """What kind of name variant a name is."""

    SPELLING = "spelling", "Another spelling of the same name."
    INITIALS = "initials", "Initials or a letter used in place of the name."
    SHORT_NAME = "short-name", "A short form, e.g. an abbreviation or a first name alone."
    FULL_NAME = "full-name", "A fuller form of the name."
    FORMER_NAME = "former-name", "A name used before."
    NICKNAME = "nickname", "A nickname or a name the press gave."
    OFFICE = "office", "A title or office by which the sources refer to them."
    OTHER = "other", "Another name the sources use."


class FieldStatus(Vocabulary):
    """Why a field has no value, as the curator states it."""

    UNKNOWN = "unknown", "The sources do not give it (it exists but is not known)."
    NOT_APPLICABLE = "not-applicable", "It does not apply to this record."


# ---------------------------------------------------------------- kinds
