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
    "SEMVER_PATTERN",
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

SEMVER_PATTERN = (r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
                  r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")
"""A semantic version (https://semver.org): ``2.0.0``, ``1.1.0-rc.1``; a dataset's version."""


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
    ``opencase vocab``, in the data dictionary, in the editor JSON Schema
    (``enumDescriptions``) and as the label of the Table Schema category.

    A member is declared as ``NAME = "value", "definition"``: the definition is one sentence
    that says what the value means, ending with a full stop. A dataset may add values in its
    ``package.yaml`` (see :mod:`opencase.language.extensions`)."""

    definition: str

    def __new__(cls, value: str, definition: str = "") -> Vocabulary:
        member = str.__new__(cls, value)
        member._value_ = value
        member.definition = definition
        return member

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        """The enum's JSON Schema with the definitions, in the order of ``enum``
        (``enumDescriptions``, which editors show beside each value)."""
        schema = handler.resolve_ref_schema(handler(core_schema))
        schema["enumDescriptions"] = [m.definition for m in cls]
        return schema


class SourceKind(Vocabulary):
    """What kind of document a source is."""

    NEWS_ARTICLE = "news-article", "An article published by a news organisation."
    BLOG_POST = "blog-post", "A post on a blog, or on a personal or campaign website."
    OFFICIAL_STATEMENT = "official-statement", (
        "A statement that an organisation issued in its own name, other than a press release.")
    PRESS_RELEASE = "press-release", "A text that an organisation issued for the press to report."
    REPORT = "report", "A formal report of an investigation, a review or an inquiry."
    COURT_JUDGMENT = "court-judgment", "A court's judgment or ruling, as the court issued it."
    CASE_NOTE = "case-note", (
        "A summary of or commentary on a court case, e.g. by a law firm or a law report.")
    INQUEST_CONCLUSION = "inquest-conclusion", (
        "The record of an inquest's conclusion, e.g. a jury's narrative conclusion.")
    TRANSCRIPT = "transcript", "A written record of what was said at a hearing or a meeting."
    INTERVIEW = "interview", "A published interview, written or recorded."
    BROADCAST = "broadcast", "A radio, television or online programme."
    COURT_RECORD = "court-record", (
        "A document of a court other than its judgment, e.g. a court list or an order.")
    OTHER = "other", "Another kind of document; the source's description says what it is."


class OrganisationType(Vocabulary):
    """What an organisation is."""

    POLICE_FORCE = "police-force", "A police force or police service."
    POLICE_OVERSIGHT = "police-oversight", (
        "A body that investigates, inspects or oversees the police, e.g. a police watchdog.")
    PROSECUTOR = "prosecutor", "A public prosecution service."
    COURT = "court", "A court or tribunal."
    CORONER = "coroner", "A coroner's office or court."
    INQUIRY = "inquiry", "A body set up to conduct an inquiry or a review."
    GOVERNMENT = "government", "A government, ministry, department or other public authority."
    REGULATOR = "regulator", "A regulator or inspectorate of something other than the police."
    HEALTH_SERVICE = "health-service", "A hospital, ambulance service or other health service."
    LAW_FIRM = "law-firm", "A firm or chambers of lawyers."
    NEWS_ORGANISATION = "news-organisation", "A publisher or broadcaster of news."
    CHARITY = "charity", (
        "A charity or other non-profit organisation whose main work is not campaigning.")
    CAMPAIGN = "campaign", (
        "A group whose main work is campaigning for a cause, whether or not it is a charity.")
    COMPANY = "company", "A business other than a law firm or a news organisation."
    OTHER = "other", "Another kind of organisation; its description says what it is."


class EventType(Vocabulary):
    """What happened."""

    MURDER = "murder", "A killing that the sources call murder."
    DEATH = "death", (
        "A person's death from any cause other than a killing that the sources call murder.")
    ATTACK = "attack", (
        "Violence against a person, e.g. an assault, other than force used by officials.")
    USE_OF_FORCE = "use-of-force", (
        "Force that police or other officials used on a person, other than restraint alone.")
    RESTRAINT = "restraint", "A person held down or physically restrained, e.g. handcuffed."
    CALL_FOR_HELP = "call-for-help", "A call to the police or the emergency services."
    CONTACT = "contact", (
        "A meeting or other contact between people, e.g. police officers attending a call.")
    DISCOVERY = "discovery", "Something found, e.g. a body or a piece of evidence."
    ARREST = "arrest", "A person arrested."
    DETENTION = "detention", "A person held in custody or otherwise detained."
    RELEASE = "release", "A person released from custody or detention, e.g. on bail."
    CHARGE = "charge", "A person charged with an offence."
    TRIAL = "trial", "A criminal trial, or one of its stages, taking place."
    CONVICTION = "conviction", "A person found guilty of an offence."
    SENTENCING = "sentencing", "A court passing sentence on a person convicted of an offence."
    HEARING = "hearing", "A hearing of a court, inquest, inquiry or panel, other than a trial."
    JUDGMENT = "judgment", (
        "A court, tribunal or inquest giving its judgment, conclusion or a ruling.")
    INVESTIGATION = "investigation", "An investigation opened, carried out or closed."
    INTERVIEW = "interview", "A person questioned, e.g. by investigators or the police."
    REFERRAL = "referral", (
        "A matter referred to another body, e.g. by a police force to a watchdog.")
    COMPLAINT = "complaint", "A complaint made about someone's conduct or a service."
    DECISION = "decision", (
        "A decision made by a person or body other than a court, e.g. by a watchdog.")
    REPORT = "report", (
        "A report written or published, e.g. of an investigation or an inquiry.")
    PUBLICATION = "publication", (
        "Something published other than a report, e.g. an article or a book.")
    STATEMENT = "statement", (
        "A statement made by a person or body; the words themselves are a statement record.")
    WARNING = "warning", "A warning given or a concern raised, e.g. about a risk."
    FAILURE = "failure", "Something that the sources say should have been done and was not."
    OTHER = "other", "Another kind of event; its description says what happened."


class ParticipantRole(Vocabulary):
    """The part someone played in an event."""

    VICTIM = "victim", "A person harmed by a crime or an attack."
    PERPETRATOR = "perpetrator", "A person who did the harm, as the sources report it."
    SUSPECT = "suspect", "A person suspected of the harm, not (or not yet) found to have done it."
    DEFENDANT = "defendant", (
        "A person charged with or tried for an offence, or a party a claim is brought against.")
    DECEASED = "deceased", "A person who died in the event."
    CALLER = "caller", "A person who called the police or the emergency services."
    OFFICER = "officer", "A police officer or other official acting in their role."
    INVESTIGATOR = "investigator", "A person or body that investigated the matter."
    DECISION_MAKER = "decision-maker", (
        "A person or body that made the decision, other than a judge, coroner or jury.")
    JUDGE = "judge", "A judge who heard or decided the matter."
    CORONER = "coroner", "A coroner who heard or decided the matter."
    JURY = "jury", "A jury that heard the matter or gave a verdict or conclusion."
    CLAIMANT = "claimant", "A person or body that brought a claim or an application."
    INTERESTED_PARTY = "interested-party", (
        "A person or body with a recognised interest in a proceeding, e.g. at an inquest.")
    COUNSEL = "counsel", "A lawyer who acted for someone in the matter."
    FAMILY = "family", "The family of a person the event concerns, e.g. of the deceased."
    SUBJECT = "subject", "A person or body that the event was about."
    WITNESS = "witness", "A person or body that saw the event or gave evidence about it."
    SPEAKER = "speaker", "A person or body that spoke or issued a statement."
    REPORTER = "reporter", (
        "A person or body that reported the matter, e.g. to the police or in the press.")
    AFFECTED = "affected", "A person or body affected by the event, other than as its victim."
    RECIPIENT = "recipient", (
        "A person or body to whom something was given, sent or said, e.g. a warning.")
    OTHER = "other", "Another part in the event; the event's description says which."


class ProceedingType(Vocabulary):
    """What kind of proceeding."""

    CRIMINAL_INVESTIGATION = "criminal-investigation", (
        "An investigation of a suspected crime, usually by the police.")
    CRIMINAL_TRIAL = "criminal-trial", (
        "The trial of one or more people charged with a criminal offence.")
    MISCONDUCT_INVESTIGATION = "misconduct-investigation", (
        "An investigation of the conduct of police officers or other officials, e.g. by a "
        "watchdog.")
    MISCONDUCT_HEARING = "misconduct-hearing", (
        "A disciplinary hearing or meeting that decides whether alleged misconduct is proven.")
    INQUEST = "inquest", (
        "A coroner's inquiry, with or without a jury, into who died and how, when and where.")
    PUBLIC_INQUIRY = "public-inquiry", (
        "An inquiry that a government or minister set up, usually held in public.")
    INQUIRY = "inquiry", (
        "An inquiry other than a public inquiry or an inquest, e.g. by a committee.")
    REVIEW = "review", (
        "A review of a case, a decision or a practice by a body other than a court.")
    JUDICIAL_REVIEW = "judicial-review", (
        "A court's review of whether a public body's decision or action was lawful.")
    APPEAL = "appeal", "An appeal to a higher court or body against a decision or judgment."
    CIVIL_CLAIM = "civil-claim", "A claim in a civil court or tribunal, e.g. for damages."
    COMPLAINT = "complaint", "The handling of a complaint, e.g. by the police or a watchdog."
    OTHER = "other", "Another kind of proceeding; its description says what it is."


class ProceedingStatus(Vocabulary):
    """Where a proceeding stood, as its sources report."""

    PLANNED = "planned", "Announced or due, but not yet begun."
    DELAYED = "delayed", "Reported as delayed: not begun or not finished when it was due."
    ONGOING = "ongoing", "Begun and not yet finished."
    CONCLUDED = "concluded", "Finished, with its outcome given."
    QUASHED = "quashed", "Finished, but its outcome set aside by a court."
    WITHDRAWN = "withdrawn", "Withdrawn, discontinued or dropped before it gave an outcome."
    UNKNOWN = "unknown", "Known to exist, but the sources do not say where it stands."


class FindingType(Vocabulary):
    """What a proceeding found or decided."""

    VERDICT = "verdict", "A verdict on a charge, e.g. guilty or not guilty."
    SENTENCE = "sentence", "A sentence passed on a convicted person."
    CONCLUSION = "conclusion", (
        "The overall conclusion of an inquest or an investigation, e.g. unlawful killing.")
    NARRATIVE_CONCLUSION = "narrative-conclusion", (
        "One finding within an inquest's narrative conclusion.")
    CAUSE_OF_DEATH = "cause-of-death", "The medical cause of a death, as the proceeding found it."
    FINDING_OF_FACT = "finding-of-fact", "A fact that the proceeding found established."
    FAILING = "failing", "A failing that the proceeding found, e.g. of police or officials."
    MISCONDUCT = "misconduct", (
        "A finding of misconduct or gross misconduct, or that someone has a case to answer.")
    NO_CASE_TO_ANSWER = "no-case-to-answer", "A finding that someone has no case to answer."
    RULING = "ruling", "A court's ruling on a question of law or procedure."
    ORDER = "order", "An order that a court or body made, e.g. quashing a decision."
    RECOMMENDATION = "recommendation", "A recommendation that the proceeding made."
    REQUIREMENT = "requirement", (
        "Something that the proceeding required someone to do, other than by an order.")
    DECISION = "decision", (
        "A decision of the proceeding other than a verdict, sentence, ruling or order.")
    COUNT = "count", "A number that the proceeding stated; the number is in `count`."
    OTHER = "other", "Another kind of finding; its description says what it is."


class StatementKind(Vocabulary):
    """How a statement is given by its source."""

    QUOTE = "quote", "The speaker's own words, quoted."
    PARAPHRASE = "paraphrase", "The speaker's words reported in other words, not quoted."
    OPINION = "opinion", "A view or judgement that the speaker expressed."
    POSITION = "position", "A stance that an organisation or a person took."
    CLAIM = "claim", "An assertion of fact by the speaker that the source does not adopt."


class RelationshipType(Vocabulary):
    """How two actors are related (read: subject <type> object)."""

    PARENT_OF = "parent-of", "The subject is a parent of the object."
    CHILD_OF = "child-of", "The subject is a child (son or daughter) of the object."
    SIBLING_OF = "sibling-of", "The subject is a brother or sister of the object."
    SPOUSE_OF = "spouse-of", "The subject is married to, or the civil partner of, the object."
    PARTNER_OF = "partner-of", (
        "The subject is the partner of the object, not said to be married to them.")
    FAMILY_OF = "family-of", (
        "The subject is a relative of the object, in a way the sources do not state.")
    FRIEND_OF = "friend-of", "The subject is a friend of the object."
    FLATMATE_OF = "flatmate-of", (
        "The subject shares a home with the object, other than as family or partner.")
    FORMER_FLATMATE_OF = "former-flatmate-of", (
        "The subject used to share a home with the object, other than as family or partner.")
    COLLEAGUE_OF = "colleague-of", "The subject works alongside the object."
    MEMBER_OF = "member-of", "The subject is a member of the object (a group or organisation)."
    EMPLOYED_BY = "employed-by", "The subject works for or serves in the object."
    HOLDS_OFFICE_IN = "holds-office-in", (
        "The subject holds an office in the object, e.g. chief executive.")
    PART_OF = "part-of", "The subject is part of the object, e.g. a unit of a police force."
    REPRESENTS = "represents", "The subject acts for the object, e.g. as its lawyer."
    KILLED = "killed", "The subject killed the object."
    INVESTIGATED = "investigated", "The subject investigated the object."
    OTHER = "other", "Another relation; the relationship's description says which."


class PartyRole(Vocabulary):
    """The part a person, organisation or group has in a proceeding."""

    CLAIMANT = "claimant", "The party that brought the claim or application."
    DEFENDANT = "defendant", (
        "The party that a claim is brought against, or a person tried for an offence.")
    RESPONDENT = "respondent", (
        "The party that answers an application or an appeal, e.g. the body whose decision is "
        "under judicial review.")
    APPELLANT = "appellant", "The party that brought the appeal."
    INTERESTED_PARTY = "interested-party", (
        "A person or body with a recognised interest in the proceeding, e.g. at an inquest.")
    PROSECUTION = "prosecution", "The party that brought the prosecution."
    ACCUSED = "accused", (
        "A person accused of misconduct or an offence outside a court case, e.g. at a "
        "misconduct hearing.")
    DECEASED = "deceased", "The person whose death the proceeding concerns."
    FAMILY = "family", "The family of the deceased or of a victim."
    COMPLAINANT = "complainant", "A person who made the complaint that the proceeding examines."
    SUBJECT = "subject", "A person or body whose conduct the proceeding examines."
    WITNESS = "witness", "A person or body that gave evidence to the proceeding."
    COUNSEL = "counsel", "A lawyer who acted for a party, named in `represents`."
    REPRESENTATIVE = "representative", (
        "A person or body that acted for a party other than as its lawyer.")
    JUDGE = "judge", "A judge who heard or decided the proceeding."
    CORONER = "coroner", "The coroner who conducted the proceeding."
    JURY = "jury", "The jury that heard the proceeding and gave its verdict or conclusion."
    PANEL = "panel", "A panel that heard or decided the proceeding, e.g. a misconduct panel."
    COURT = "court", "The court or tribunal that heard or decided the proceeding."
    INVESTIGATOR = "investigator", "A person or body that investigated for the proceeding."
    DECISION_MAKER = "decision-maker", (
        "The person or body that decided the outcome, other than a judge, jury, panel or court.")
    OTHER = "other", "Another part in the proceeding; the proceeding's description says which."


class LinkType(Vocabulary):
    """How a proceeding relates to another record (read: proceeding <type> target)."""

    FOLLOWS = "follows", (
        "The proceeding came after the target in the same matter, e.g. an inquest after a "
        "trial.")
    REVIEWS = "reviews", "The proceeding reviews the target, e.g. a decision or a report."
    APPEALS = "appeals", "The proceeding is an appeal against the target."
    QUASHES = "quashes", "The proceeding set the target aside, e.g. a report or a decision."
    ARISES_FROM = "arises-from", (
        "The proceeding was started by the target, e.g. by a referral or a complaint.")
    PART_OF = "part-of", "The proceeding is part of the target."
    REOPENS = "reopens", "The proceeding reopens or resumes the target."
    REPLACES = "replaces", "The proceeding replaces the target, e.g. a fresh inquest."
    RELATED_TO = "related-to", (
        "The proceeding is related to the target in a way the sources do not specify.")


class NameType(Vocabulary):
    """What kind of name variant a name is."""

    SPELLING = "spelling", "Another spelling of the same name."
    INITIALS = "initials", "Initials or a letter used in place of the name."
    SHORT_NAME = "short-name", "A short form, e.g. an abbreviation or a first name alone."
    FULL_NAME = "full-name", "A fuller form of the name, e.g. with middle names."
    FORMER_NAME = "former-name", "A name that they or it had before."
    NICKNAME = "nickname", "A nickname, or a name that the press gave them."
    OFFICE = "office", "A title or office by which the sources refer to them."
    DESCRIPTIVE = "descriptive", (
        "A descriptive phrase that the sources use in place of the name, e.g. the police "
        "watchdog.")
    OTHER = "other", "Another kind of name that the sources use."


class FieldStatus(Vocabulary):
    """Why a field has no value, as the curator states it."""

    UNKNOWN = "unknown", "The field has a value, but the sources do not give it."
    NOT_APPLICABLE = "not-applicable", "The field does not apply to this record."


# ---------------------------------------------------------------- kinds
