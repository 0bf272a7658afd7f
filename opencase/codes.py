"""The registry of issue codes: every finding opencase can report is a member of :class:`Code`,
its stable text (a StrEnum: it compares equal to and prints as that text) with its default
severity, meaning and fix. ``docs/issue-codes.md`` is generated from it. Code that reports a
finding names the member (``Code.QUOTE_NOT_FOUND``): a mistyped one fails the tests."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CODES", "Code", "Severity", "codes_markdown"]


class Severity(StrEnum):
    """How serious an issue is: an error makes the records or package invalid; a warning
    does not, unless ``--strict``; an info is a note that never does."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Code(StrEnum):
    """An issue code, with its default ``severity``, its ``meaning`` and its ``fix``."""

    severity: Severity
    meaning: str
    fix: str

    def __new__(cls, code: str, severity: str, meaning: str, fix: str) -> Code:
        member = str.__new__(cls, code)
        member._value_ = code
        member.severity = Severity(severity)
        member.meaning = meaning
        member.fix = fix
        return member

    @property
    def code(self) -> str:
        return self.value

    # --- files and YAML
    IO_ERROR = (
        "io-error",
        "error",
        "A file or folder could not be read.",
        "Check the path exists and is readable.",
    )
    FILE_TOO_LARGE = (
        "file-too-large",
        "error",
        "A record file is larger than the size limit.",
        "Split it into several files under records/.",
    )
    NOT_A_REGULAR_FILE = (
        "not-a-regular-file",
        "error",
        "A path under the records folder is a symbolic link, FIFO, socket or device; opencase "
        "reads only regular files and follows no link below the folder it is given.",
        "Replace the link with the file itself (or a copy), or remove it.",
    )
    ENCODING = (
        "encoding",
        "error",
        "A file is not valid UTF-8 text.",
        "Re-save the file as UTF-8.",
    )
    CONTROL_CHARACTER = (
        "control-character",
        "error",
        "A file holds a control character (NUL, ESC, ...), raw or made by an escape in a "
        'double-quoted value ("\\0", "\\e").',
        "Delete the character or the escape; a raw one is invisible in most editors.",
    )
    YAML_SYNTAX = (
        "yaml-syntax",
        "error",
        "The file is not valid YAML.",
        "Fix the syntax at the given line (indentation, a missing colon, an unclosed quote).",
    )
    YAML_DUPLICATE_KEY = (
        "yaml-duplicate-key",
        "error",
        "A mapping has the same key twice; one value would be lost.",
        "Keep one of the two keys.",
    )
    YAML_ALIAS = (
        "yaml-alias",
        "error",
        "The file uses YAML anchors/aliases (&a / *a), which records may not.",
        "Write the value out in full where it is used.",
    )
    YAML_TAG = (
        "yaml-tag",
        "error",
        "The file uses a YAML tag (!!python/..., !foo) that records may not.",
        "Remove the tag; records hold only plain text, lists and mappings.",
    )
    YAML_TOO_DEEP = (
        "yaml-too-deep",
        "error",
        "Values are nested deeper than any record needs.",
        "Flatten the structure.",
    )
    TOO_MANY_PROBLEMS = (
        "too-many-problems",
        "error",
        "A file has so many YAML or structural problems (aliases, tags, duplicate keys, unknown "
        "kinds, list items that are not records) that opencase stopped reading it, to bound "
        "time and memory.",
        "Fix the problems reported above it and run again.",
    )
    EMPTY_FILE = (
        "empty-file",
        "warning",
        "A record file holds no records.",
        "Add records or delete the file.",
    )
    NO_RECORDS = (
        "no-records",
        "error",
        "The records folder holds no record files at all.",
        "Check the path: record files are *.yaml or *.yml files below it.",
    )
    NOT_A_MAPPING = (
        "not-a-mapping",
        "error",
        "A record file's top level is not a mapping of kind to records.",
        "Start the file with a kind, e.g. `people:`, followed by a list of records.",
    )
    UNKNOWN_KIND = (
        "unknown-kind",
        "error",
        "A top-level key is not a kind of record opencase knows.",
        "Use one of the kinds listed in the message (check the spelling).",
    )
    NOT_A_LIST = (
        "not-a-list",
        "error",
        "A kind's value is not a list of records.",
        "Write each record as a list item starting with `- id: ...`.",
    )
    NOT_A_RECORD = (
        "not-a-record",
        "error",
        "A list item is not a mapping of fields.",
        "Write the record as `- id: ...` followed by its fields.",
    )
    # --- record fields
    UNKNOWN_KEY = (
        "unknown-key",
        "error",
        "A record has a field its kind does not have (often a typo).",
        "Fix the spelling or remove the field; the message lists the allowed fields.",
    )
    MISSING_KEY = ("missing-key", "error", "A required field is missing.", "Add the field.")
    INVALID_TYPE = (
        "invalid-type",
        "error",
        "A field's value has the wrong type (text, number, list, ...).",
        "Give a value of the type the message names; quote text that YAML reads as a number.",
    )
    INVALID_VALUE = (
        "invalid-value",
        "error",
        "A field's value breaks a constraint (length, range, pattern).",
        "Change the value as the message says.",
    )
    NOT_IN_VOCABULARY = (
        "not-in-vocabulary",
        "error",
        "A value is not one of the field's controlled vocabulary.",
        "Use one of the values the message lists.",
    )
    INVALID_ID = (
        "invalid-id",
        "error",
        "An id or reference is not a lowercase slug (a-z, 0-9, hyphens).",
        "Rewrite it, e.g. `stephen-port`.",
    )
    INVALID_DATE = (
        "invalid-date",
        "error",
        "A date is not an EDTF date opencase accepts, or does not exist.",
        "Write YYYY, YYYY-MM or YYYY-MM-DD (optionally ?, ~), or an interval A/B.",
    )
    DATE_ORDER = (
        "date-order",
        "error",
        "An interval ends before it starts.",
        "Swap or correct the ends.",
    )
    SPREADSHEET_FORMULA = (
        "spreadsheet-formula",
        "warning",
        "A value starts with =, +, - or @ and would run as a formula in a spreadsheet.",
        "Reword the value, or accept the warning if the text really starts so.",
    )
    # --- dataset
    DUPLICATE_ID = (
        "duplicate-id",
        "error",
        "Two records share an id (ids are unique across all kinds).",
        "Rename one of them and update references to it.",
    )
    UNKNOWN_REFERENCE = (
        "unknown-reference",
        "error",
        "A reference names an id no record has.",
        "Fix the id, or add the record it refers to.",
    )
    WRONG_REFERENCE_KIND = (
        "wrong-reference-kind",
        "error",
        "A reference names a record of a kind the field cannot hold.",
        "Refer to a record of one of the kinds the message lists.",
    )
    # --- citations
    MISSING_CITATION = (
        "missing-citation",
        "error",
        "A record has no `cite:` entry.",
        "Add a citation: the source and the exact quote the record rests on.",
    )
    UNKNOWN_SOURCE = (
        "unknown-source",
        "error",
        "A citation names a source (or `via`) that is not a source record.",
        "Add the source record or fix its id.",
    )
    UNKNOWN_SUPPORTED_FIELD = (
        "unknown-supported-field",
        "error",
        "`supports` names a field the record does not have.",
        "List only the record's own fields.",
    )
    DUPLICATE_CITATION = (
        "duplicate-citation",
        "error",
        "Two citations of one record say the same thing (the same source, quote, prefix, "
        "suffix and via, for the same field, name variant or reported value), so the "
        "published citation id derived from that content would be the same.",
        "Remove the repeated citation (or the field named twice in one `supports`); to say "
        "more about a passage, use the citation's `note`.",
    )
    QUOTE_NOT_FOUND = (
        "quote-not-found",
        "error",
        "A quote does not occur in its source's snapshot.",
        "Copy the passage exactly from the snapshot (quotes, dashes, spaces may differ).",
    )
    QUOTE_MEANINGLESS = (
        "quote-meaningless",
        "error",
        "A quote cannot stand as evidence: it has no letter or digit, only white space or "
        "invisible characters, or a single character, so it would occur almost anywhere.",
        "Quote the words the record rests on: at least two visible characters, among them a "
        "letter or digit.",
    )
    QUOTE_AMBIGUOUS = (
        "quote-ambiguous",
        "error",
        "A quote occurs more than once in its snapshot.",
        "Add `prefix` or `suffix` (the text just before or after) to pick one.",
    )
    SNAPSHOT_MISSING = (
        "snapshot-missing",
        "warning",
        "No snapshot folder was given, so the quotes of a source with a sha256 are unverified.",
        "Pass --snapshots with the folder holding the snapshots (an error under --strict).",
    )
    SNAPSHOT_NOT_FOUND = (
        "snapshot-not-found",
        "error",
        "No file in the given snapshot folder has the source's sha256, so none of its quotes "
        "can be checked (often a mistyped or stale hash, or a snapshot not yet added).",
        "Fix the hash (the message names the files no source names and the nearest hash), "
        "or add the snapshot with `opencase source add`.",
    )
    SNAPSHOT_UNREADABLE = (
        "snapshot-unreadable",
        "warning",
        "A file in the snapshot folder could not be used.",
        "Check the file (symlinks are not followed; the file must be readable UTF-8).",
    )
    DUPLICATE_SNAPSHOT = (
        "duplicate-snapshot",
        "error",
        "Two source records name the same snapshot (sha256), so one text would stand for two "
        "sources.",
        "Fix the hash of the wrong one; a source known only through another has no snapshot "
        "of its own (cite it `via` the other).",
    )
    QUOTE_UNVERIFIABLE = (
        "quote-unverifiable",
        "warning",
        "A quote cannot be checked: its source has no snapshot and no `via`.",
        "Give the source a sha256 and snapshot, or cite it `via` the source that quotes it.",
    )
    UNCITED_WITHOUT_SNAPSHOT = (
        "uncited-without-snapshot",
        "error",
        "A source marks passages as deliberately uncited (`uncited:`) but has no snapshot of its "
        "own, so the passages cannot be found.",
        "Give the source its sha256, or move the marks to the source whose snapshot holds the "
        "text.",
    )
    EVIDENCE_VALUE_NOT_IN_QUOTE = (
        "evidence-value-not-in-quote",
        "warning",
        "A citation backs a number or date (a count, an age, a date; listed in its `supports`, "
        "or a citation of the whole record, or of a reported value) whose value appears "
        "neither in its quote nor in its note, as digits or English words (a date: its year, "
        "month and day).",
        "Quote the passage that states the value, say in the citation's `note` how the passage "
        "gives it (with the value), or remove the field from `supports` (an error under "
        "--strict).",
    )
    EVIDENCE_NAME_NOT_IN_QUOTE = (
        "evidence-name-not-in-quote",
        "warning",
        "A citation backs a name (`name`, `short_name` or `office` in its `supports`, a name "
        "variant, or a reported name) that appears neither in its quote nor in its note, "
        "nor does any of the record's name variants.",
        "Quote a passage that uses the name, record the form the passage uses as a name "
        "variant (`names`), or remove the field from `supports` (an error under --strict).",
    )
    # --- reported values, unknowns, names and parties (case model 2)
    REPORTED_FIELD_UNKNOWN = (
        "reported-field-unknown",
        "error",
        "A reported value's `field` is not a single-value field of the record's kind: no such "
        "field, or `id`, `cite`, a list, or `reported`, `unknown` or `not_applicable`.",
        "Name one of the record's single-value fields (the message suggests the closest one).",
    )
    REPORTED_VALUE_INVALID = (
        "reported-value-invalid",
        "error",
        "A reported value is not a value its field could hold: wrong type, not in the "
        "vocabulary, not an EDTF date, out of range, or not matching the field's pattern.",
        "Write the value as the field itself would hold it (the message says what is wrong).",
    )
    REPORTED_PREFERRED_TWICE = (
        "reported-preferred-twice",
        "error",
        "More than one reported value of the same field is marked `preferred`.",
        "Mark at most one value of each field `preferred: true`.",
    )
    REPORTED_PREFERRED_CONFLICT = (
        "reported-preferred-conflict",
        "error",
        "A reported value is preferred but the record's field holds another value, or none.",
        "Set the field to the preferred value, or change which value is preferred.",
    )
    REPORTED_VALUE_UNLISTED = (
        "reported-value-unlisted",
        "error",
        "No reported value of a field is preferred, yet the record's field holds a value that "
        "is none of the reported ones.",
        "Add the field's value as a reported value with its citation (and mark it preferred), "
        "or remove the field's value when no reported value is preferred.",
    )
    REPORTED_SINGLE = (
        "reported-single",
        "warning",
        "A field has only one reported value, so no sources disagree about it.",
        "Cite the passage on the record with `supports: [<field>]` instead, or add the value "
        "that the other source reports.",
    )
    REPORTED_DUPLICATE = (
        "reported-duplicate",
        "warning",
        "The same value of a field is reported twice.",
        "Merge the two entries into one, with the citations of both.",
    )
    STATUS_NOT_A_FIELD = (
        "status-not-a-field",
        "error",
        "A key of `unknown` or `not_applicable` is not a field of the record's kind (or is "
        "`id`, `cite`, `reported`, `unknown` or `not_applicable`).",
        "Fix the spelling (the message suggests the closest field), or remove the key.",
    )
    STATUS_REQUIRED_FIELD = (
        "status-required-field",
        "error",
        "A required field is listed in `unknown` or `not_applicable`; a record always gives "
        "its required fields.",
        "Remove the key, and give the field the value the sources support.",
    )
    STATUS_FIELD_HAS_VALUE = (
        "status-field-has-value",
        "error",
        "A field listed in `unknown` or `not_applicable` has a value (or reported values) on "
        "the record.",
        "Remove the value, or remove the field from `unknown` / `not_applicable`.",
    )
    STATUS_BOTH = (
        "status-both",
        "error",
        "A field is listed both in `unknown` and in `not_applicable`.",
        "Keep it in one: `unknown` (it exists, the sources do not give it) or "
        "`not_applicable` (it does not apply to this record).",
    )
    PERSON_UNIDENTIFIED = (
        "person-unidentified",
        "error",
        "A person has no name, office, rank or description, so nothing says who they are.",
        "Give their name, or the office, rank or description by which the sources know them.",
    )
    NAME_VARIANT_SAME = (
        "name-variant-same",
        "warning",
        "A name variant is the record's own name (or short name), once case, typography and "
        "white space are folded as quotes are matched.",
        "Remove the variant (cite the passage on the record with `supports: [name]`), or "
        "correct it.",
    )
    NAME_VARIANT_DUPLICATE = (
        "name-variant-duplicate",
        "warning",
        "Two name variants of a record are the same name, once case, typography and white "
        "space are folded as quotes are matched.",
        "Keep one variant, with the citations of both.",
    )
    REPRESENTS_NOT_A_PARTY = (
        "represents-not-a-party",
        "warning",
        "A party of a proceeding `represents` someone who is not another party of it (or "
        "represents itself).",
        "Add the one represented to `parties` with their role, or correct `represents`.",
    )
    LINK_TO_SELF = (
        "link-to-self",
        "error",
        "A proceeding's link points at the proceeding itself.",
        "Make the link's `target` the other record.",
    )
    # --- corrections
    CORRECTION_UNJUSTIFIED = (
        "correction-unjustified",
        "error",
        "A correction has neither a citation nor a `note`: nothing says why the new value "
        "is right.",
        "Add `cite:` with the passage that supports the new value (or the removal), or a "
        "`note` that justifies the correction.",
    )
    CORRECTION_UNKNOWN_RECORD = (
        "correction-unknown-record",
        "error",
        "A correction's `record` names no record of the dataset, and the correction is not a "
        "removal (it has a `field` or a `new_value`). Only a removed record is corrected by "
        "its former id.",
        "Fix the id; for a record the correction removed, leave out `field` and `new_value`.",
    )
    CORRECTION_UNKNOWN_FIELD = (
        "correction-unknown-field",
        "error",
        "A correction's `field` is not a field of the kind of the record it corrects.",
        "Name the field as the record files write it (`case` for the `case_id` column), or "
        "leave `field` out to correct the record as a whole.",
    )
    CORRECTION_VALUE_DIFFERS = (
        "correction-value-differs",
        "warning",
        "A correction's `new_value` is not the value its record now holds in that field (a "
        "field holding one value; lists are not compared).",
        "Write `new_value` as the record now has it (a vocabulary value as its slug, a "
        "number in digits), or correct the record.",
    )
    # --- registering a source (opencase source add)
    SNAPSHOT_EMPTY = (
        "snapshot-empty",
        "error",
        "The text given to `opencase source add` is empty or holds no letter or digit: there "
        "is nothing to quote.",
        "Give the file that holds the source's text (saved as UTF-8 plain text).",
    )
    SNAPSHOT_NAME_TAKEN = (
        "snapshot-name-taken",
        "error",
        "The snapshots folder already holds a different file of the name the new snapshot "
        "would get (`<id>.txt`); opencase never overwrites it.",
        "Choose another --id, or move the file in the snapshots folder away if it is not a "
        "source's snapshot.",
    )
    SOURCES_NOT_APPENDABLE = (
        "sources-not-appendable",
        "error",
        "`opencase source add` cannot append the record to the sources file as text and keep "
        "its layout: its `sources:` is not a block list (e.g. `sources: []`), or the file "
        "does not read back as expected once appended.",
        "Write `sources:` as a block list (`- id: ...` items), or add the record by hand as the "
        "message shows.",
    )
    # --- coverage (opencase coverage)
    PASSAGE_UNCOVERED = (
        "passage-uncovered",
        "warning",
        "A passage of a source's snapshot (at most a sentence, from its first to its last letter) "
        "that no citation quote covers and no `uncited:` mark of the source covers; listed by "
        "`opencase coverage`.",
        "Cite the passage from the record it supports, or mark it under the source's "
        "`uncited:` with the reason it is left out.",
    )
    COVERAGE_BELOW_MINIMUM = (
        "coverage-below-minimum",
        "error",
        "The share of a source's letters covered by cited or marked passages is below the "
        "minimum given to `opencase coverage --min` (100% by default).",
        "Cite or mark the uncovered passages it lists, or lower --min.",
    )
    # --- publishing
    QUOTE_UNVERIFIED = (
        "quote-unverified",
        "warning",
        "A quote was published without being found in its source's snapshot (no snapshot "
        "folder, or the source has no snapshot); its `start`/`end` offsets are empty.",
        "Publish with --snapshots pointing at the folder that holds the snapshots.",
    )
    PACKAGE_CONFIG = (
        "package-config",
        "error",
        "The package metadata file (package.yaml beside the records folder) is invalid.",
        "Fix the field the message names: `name`, `title` and `version` (semantic "
        "versioning) are required; unknown fields are errors.",
    )
    # --- the case model and its extensions (package.yaml)
    MODEL_OUTDATED = (
        "model-outdated",
        "info",
        "package.yaml says (or, without `model:`, implies) that the records are written for "
        "an older version of the case model. They are read under the current one, which only "
        "adds to it.",
        "Run `opencase migrate` to upgrade the dataset and record the current version.",
    )
    MODEL_FEATURES_NEWER = (
        "model-features-newer",
        "warning",
        "package.yaml says the records are written for an older case model, but a record uses "
        "a field that only a newer model has (e.g. `names`, `reported`, `unknown`, `parties`).",
        "Run `opencase migrate` so that package.yaml names the model the records are written "
        "for.",
    )
    MODEL_UNSUPPORTED = (
        "model-unsupported",
        "error",
        "`model:` in package.yaml is not a case-model version this opencase supports (a newer "
        "one, or not a whole number from 1).",
        "Upgrade opencase to a version that supports it, or correct the number.",
    )
    EXTENSION_INVALID = (
        "extension-invalid",
        "error",
        "An entry of `extensions:` in package.yaml is malformed: not a mapping or list, an "
        "unknown or missing key, a value that is not a lowercase slug, a field name that is "
        "not snake_case, an unknown field type.",
        "Fix the entry as the message says (see 'Extending the model' in docs/curating.md).",
    )
    EXTENSION_UNKNOWN_KIND = (
        "extension-unknown-kind",
        "error",
        "An extension names a kind of record that does not exist (as the kind extended, in a "
        "vocabulary field's name, or among the kinds a reference may point to).",
        "Use one of the kinds: cases, sources, people, organisations, groups, events, "
        "proceedings, findings, statements, relationships.",
    )
    EXTENSION_UNKNOWN_FIELD = (
        "extension-unknown-field",
        "error",
        "A vocabulary extension names a field its kind does not have.",
        "Name a vocabulary field as KIND.FIELD (events.type) or KIND.LIST.FIELD "
        "(events.participants.role).",
    )
    EXTENSION_NOT_A_VOCABULARY = (
        "extension-not-a-vocabulary",
        "error",
        "A vocabulary extension names a field that is not a controlled vocabulary.",
        "Add values only to a vocabulary field (the message lists them); to hold other "
        "values, add a field instead.",
    )
    EXTENSION_VALUE_CLASH = (
        "extension-value-clash",
        "error",
        "An added vocabulary value is already a value of that vocabulary, or is added twice.",
        "Use the existing value, or remove the duplicate.",
    )
    EXTENSION_FIELD_CLASH = (
        "extension-field-clash",
        "error",
        "An added field is named like a field (or a published column) the kind already has, "
        "like another added field, or like a field every record may have (id, cite, names, "
        "reported, unknown, not_applicable).",
        "Choose another name.",
    )
    EXTENSION_RESERVED_WORD = (
        "extension-reserved-word",
        "error",
        "An added field would be published as a column named like a reserved word of SQL "
        "(SQLite, DuckDB or PostgreSQL), which a query could not name without quotes.",
        "Choose another name (e.g. `order_number` rather than `order`).",
    )
    SCHEMA_STALE = (
        "schema-stale",
        "error",
        "A committed schema file (under schemas/) differs from what the record models generate.",
        "Run `opencase schemas` and commit the result.",
    )
    # --- checking a published package (opencase check)
    DESCRIPTOR_JSON = (
        "descriptor-json",
        "error",
        "The package descriptor (datapackage.json) is not valid JSON or not a JSON object.",
        "Fix the syntax at the line and column given, or publish the package again.",
    )
    DESCRIPTOR_INVALID = (
        "descriptor-invalid",
        "error",
        "The descriptor breaks the Data Package v2 profile: a "
        "required property is missing, a property has the wrong type, or a value cannot work (an "
        "empty or two-character delimiter or quote, an unknown encoding, inline `data` that is "
        "not rows).",
        "Add or correct the property the message names (see datapackage.org/standard).",
    )
    DESCRIPTOR_RECOMMENDATION = (
        "descriptor-recommendation",
        "warning",
        "The descriptor does not follow a recommendation "
        "of the Data Package standard (e.g. lower-case names, a known profile).",
        "Follow the recommendation, or accept the warning.",
    )
    SCHEMA_INVALID = (
        "schema-invalid",
        "error",
        "A Table Schema is malformed: an unknown type or constraint, a "
        "constraint the type does not have, a value that cannot work (an empty `decimalChar`), "
        "or a key naming a missing field or resource.",
        "Correct the schema as the message says; the data of that field or key is not checked.",
    )
    UNSAFE_PATH = (
        "unsafe-path",
        "error",
        "A resource path is absolute, contains '..', or leads out of the "
        "package folder (e.g. through a symbolic link); it is not read.",
        "Use a path relative to the folder of datapackage.json, inside it.",
    )
    REMOTE_RESOURCE = (
        "remote-resource",
        "warning",
        "A resource (or its schema) is a URL; checking works offline and does not fetch it.",
        "Check the package where the file is local, or accept it.",
    )
    RESOURCE_MISSING = (
        "resource-missing",
        "error",
        "A resource's file does not exist or is not a regular file.",
        "Add the file, or fix the `path`.",
    )
    BYTES_MISMATCH = (
        "bytes-mismatch",
        "error",
        "A file's size differs from the resource's `bytes`.",
        "The file changed after publishing: restore it, or publish the package again.",
    )
    HASH_MISMATCH = (
        "hash-mismatch",
        "error",
        "A file's digest differs from the resource's `hash`.",
        "The file changed after publishing: restore it, or publish the package again.",
    )
    FORMAT_UNSUPPORTED = (
        "format-unsupported",
        "error",
        "A resource has a Table Schema but its rows cannot be "
        "read (not CSV, TSV or Parquet, or Parquet or compressed CSV split over several files): "
        "the rows it declares are not checked, only its bytes and hash.",
        "Publish the table as CSV or Parquet (one Parquet file) to have its rows checked.",
    )
    DIALECT_UNSUPPORTED = (
        "dialect-unsupported",
        "error",
        "The CSV dialect uses an option opencase check does not "
        "support (commentChar, commentRows, nullSequence, header rows other than the first): "
        "its rows are not checked (under nullSequence, they may be misread).",
        "Use a plain CSV dialect, or check the rows with another tool.",
    )
    TABLE_UNREADABLE = (
        "table-unreadable",
        "error",
        "A CSV or Parquet file cannot be parsed (bad encoding, UTF-16 "
        "without a byte-order mark, broken quoting, not a Parquet file), or inline `data` has no "
        "header row.",
        "Fix or re-export the file; the message says what failed.",
    )
    HEADER_MISMATCH = (
        "header-mismatch",
        "error",
        "The columns of a file do not match the fields of its Table "
        "Schema (name, order or number).",
        "Make the header row (or Parquet columns) list the schema's fields in order.",
    )
    ROW_SHAPE = (
        "row-shape",
        "error",
        "A CSV (or inline `data`) row has more or fewer cells than the header.",
        "Add the missing cells (empty for a missing value) or remove the extra ones; check "
        "for an unquoted delimiter or quote.",
    )
    BLANK_ROW = (
        "blank-row",
        "error",
        "A row has no values at all.",
        "Delete the row, or fill it in.",
    )
    CELL_TYPE = (
        "cell-type",
        "error",
        "A value is not of its field's type (integer, number, date, ...).",
        "Write the value in the type's format, e.g. 2016-03-01 for a date, 42 for an integer.",
    )
    CELL_REQUIRED = (
        "cell-required",
        "error",
        "A required field is empty (or holds a missing-value marker).",
        "Fill in the value.",
    )
    CELL_PATTERN = (
        "cell-pattern",
        "error",
        "A value does not match its field's `pattern`.",
        "Correct the value so that the whole of it matches the pattern.",
    )
    CELL_ENUM = (
        "cell-enum",
        "error",
        "A value is not one of its field's allowed values (`enum`).",
        "Use one of the values the message lists.",
    )
    CELL_RANGE = (
        "cell-range",
        "error",
        "A value is outside its field's minimum/maximum.",
        "Correct the value, or the bound if the value is right.",
    )
    CELL_LENGTH = (
        "cell-length",
        "error",
        "A value is shorter than `minLength` or longer than `maxLength`.",
        "Correct the value, or the bound if the value is right.",
    )
    CELL_UNIQUE = (
        "cell-unique",
        "error",
        "A field marked unique has the same value in two rows.",
        "Correct one of the two rows (the message names the earlier one).",
    )
    PRIMARY_KEY = (
        "primary-key",
        "error",
        "Two rows share a primary key, or a row's primary key is empty.",
        "Give every row its own, non-empty key.",
    )
    UNIQUE_KEY = (
        "unique-key",
        "error",
        "Two rows share the values of a `uniqueKeys` key.",
        "Correct one of the two rows (the message names the earlier one).",
    )
    FOREIGN_KEY = (
        "foreign-key",
        "error",
        "A value refers to a row that the referenced resource does not have.",
        "Fix the value, or add the row it refers to.",
    )
    REFERENCE_KIND = (
        "reference-kind",
        "error",
        "A reference into a table of rows kept in several tables (opencase's `entities`) points "
        "to a row of a resource its field's `x-references` does not list (a statement's "
        "speaker that is an event).",
        "Refer to a row of one of the resources the field lists.",
    )
    COLUMN_TYPE = (
        "column-type",
        "error",
        "A Parquet column's type cannot hold its field's Table Schema type.",
        "Write the column with a matching type (e.g. int64 for integer, date32 for date).",
    )
    TWIN_MISMATCH = (
        "twin-mismatch",
        "error",
        "A CSV resource and its Parquet twin (the same table in both "
        "formats) do not hold the same rows.",
        "Publish the package again so that both agree.",
    )


CODES: dict[str, Code] = {c.value: c for c in Code}
"""Every code by its text."""


def codes_markdown() -> str:
    """The table of issue codes in ``docs/issue-codes.md`` (a generated section)."""
    rows = ["| code | severity | meaning | how to fix |", "| --- | --- | --- | --- |"]
    rows += [f"| `{c.code}` | {c.severity} | {c.meaning} | {c.fix} |" for c in Code]
    return "\n".join(rows) + "\n"
