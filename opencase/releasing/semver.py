"""The data's semantic-versioning rule, in one place: which version bump each kind of change
needs, and whether NEW's version follows it (``opencase diff --check-version``).

- **major**: a table, column or record removed, a column retyped, a table's primary key
  changed, or a vocabulary value removed (a user's query or file may rely on each);
- **minor**: a table, column, record or vocabulary value (``categories``) added;
- **patch**: values changed, or citations added, removed or changed (corrections);
- none: nothing changed.

NEW's version must be greater than OLD's (semantic-versioning precedence) and bumped at least
the required level: its first number above OLD's for major; for minor, its first or second;
any of the three for patch. A bigger bump than needed is allowed. Two versions that hold
the same data may keep the same version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

__all__ = ["RULE", "Level", "VersionCheck", "check_version", "parse", "required_level"]


class Level(IntEnum):
    NONE = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3

    def __str__(self) -> str:
        return self.name.lower()


# each class of change (as opencase.releasing.diff.Diff.change_classes names it): its level
# and how it is said
RULE: dict[str, tuple[Level, str]] = {
    "table-removed": (Level.MAJOR, "table removed"),
    "column-removed": (Level.MAJOR, "column removed"),
    "record-removed": (Level.MAJOR, "record removed"),
    "column-retyped": (Level.MAJOR, "column retyped"),
    "key-changed": (Level.MAJOR, "primary key changed"),
    "category-removed": (Level.MAJOR, "vocabulary value removed"),
    "table-added": (Level.MINOR, "table added"),
    "column-added": (Level.MINOR, "column added"),
    "record-added": (Level.MINOR, "record added"),
    "category-added": (Level.MINOR, "vocabulary value added"),
    "value-changed": (Level.PATCH, "value changed"),
    "citation-changed": (Level.PATCH, "citation added, removed or changed"),
}

_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                     r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?")


def required_level(classes: dict[str, list[str]]) -> tuple[Level, list[str]]:
    """The bump the changes need, and why: each class of change at that level, with up to
    three of its changes (``column removed: events.case``)."""
    found = [(RULE[c][0], c, examples) for c, examples in classes.items() if examples]
    if not found:
        return Level.NONE, []
    level = max(lv for lv, _, _ in found)
    reasons = []
    for lv, c, examples in found:
        if lv == level:
            more = f" and {len(examples) - 3:,} more" if len(examples) > 3 else ""
            reasons.append(f"{RULE[c][1]}: {', '.join(examples[:3])}{more}")
    return level, reasons


def parse(version: str | None) -> tuple[tuple[int, int, int], tuple[str, ...]] | None:
    """A semantic version's numbers and pre-release identifiers, or None."""
    m = _SEMVER.fullmatch(version or "")
    if not m:
        return None
    pre = tuple(m.group(4).split(".")) if m.group(4) else ()
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))), pre


def _precedence(v: tuple[tuple[int, int, int], tuple[str, ...]]) -> tuple[object, ...]:
    core, pre = v
    # a pre-release comes before its release; numeric identifiers before alphanumeric ones
    ids = tuple((0, int(x), "") if x.isdigit() else (1, 0, x) for x in pre)
    return (core, 0 if pre else 1, ids)


def _bump(old: tuple[int, int, int], new: tuple[int, int, int]) -> Level:
    if new[0] != old[0]:
        return Level.MAJOR
    if new[1] != old[1]:
        return Level.MINOR
    return Level.PATCH if new[2] != old[2] else Level.NONE


@dataclass
class VersionCheck:
    ok: bool
    old: str | None
    new: str | None
    required: Level
    bump: Level | None  # the bump from OLD to NEW (None when a version is not semantic)
    reasons: list[str]
    message: str


def check_version(old: str | None, new: str | None,
                  classes: dict[str, list[str]]) -> VersionCheck:
    """Whether ``new`` follows the rule from ``old`` for these changes."""
    required, reasons = required_level(classes)
    why = f" ({'; '.join(reasons)})" if reasons else ""
    a, b = parse(old), parse(new)
    if a is None or b is None:
        which = "; ".join(f"{side} has no version" if v is None else
                          f"{side}'s version {v!r} is not a semantic version (MAJOR.MINOR.PATCH)"
                          for side, v, p in (("OLD", old, a), ("NEW", new, b)) if p is None)
        return VersionCheck(False, old, new, required, None, reasons,
                            f"{which}; {_need(required, why)}")
    bump = _bump(a[0], b[0])
    if required is Level.NONE and _precedence(a) == _precedence(b):
        return VersionCheck(True, old, new, required, bump, reasons,
                            f"no change in the data: version {new} may stay as it is")
    if _precedence(b) <= _precedence(a):
        return VersionCheck(False, old, new, required, bump, reasons,
                            f"NEW's version {new} is not greater than OLD's {old}: "
                            f"{_need(required, why)}")
    if bump < required:
        return VersionCheck(False, old, new, required, bump, reasons,
                            f"{old} -> {new} is a {bump} release, but the changes need a "
                            f"{required} release{why}: {_least(a[0], required)} at least")
    need = "no new version" if required is Level.NONE else f"a {required} release{why}"
    kind = "a pre-release change" if bump is Level.NONE else f"a {bump} release"
    return VersionCheck(True, old, new, required, bump, reasons,
                        f"{old} -> {new} is {kind}; the changes need {need}")


def _need(required: Level, why: str) -> str:
    return "the data did not change" if required is Level.NONE else \
        f"the changes need a {required} release{why}"


def _least(old: tuple[int, int, int], level: Level) -> str:
    """The smallest version after ``old`` with a bump of ``level``."""
    if level is Level.MAJOR:
        return f"{old[0] + 1}.0.0"
    if level is Level.MINOR:
        return f"{old[0]}.{old[1] + 1}.0"
    return f"{old[0]}.{old[1]}.{old[2] + 1}"
