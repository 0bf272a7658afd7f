"""The structure of a Data Package v2 descriptor, checked with ``jsonschema`` against the
official profile.

The profile is https://datapackage.org/profiles/2.0/datapackage.json (JSON Schema draft-07),
vendored in ``opencase/datapackage/profiles/datapackage.json`` from the repository
frictionlessdata/datapackage (``public/profiles/2.0/``; the commit and hash are in
``profiles/README.md``). It is self-contained, and every ``$ref`` would resolve to the vendored
file through a local :mod:`referencing` registry: nothing is fetched. Formats are not asserted
except ``date-time`` (``created``), read as RFC 3339.

``jsonschema`` is imported on the first check, not with :mod:`opencase`. Each validation error
becomes a :class:`ProfileProblem`: where it is in the descriptor and a message that names the
place as a JSON pointer and never quotes more than a short excerpt of the value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

__all__ = ["PROFILE_FILE", "PROFILE_URL", "ProfileProblem", "is_datetime", "profile_problems"]

PROFILE_URL = "https://datapackage.org/profiles/2.0/datapackage.json"
PROFILE_FILE = Path(__file__).parent / "profiles" / "datapackage.json"

_TYPE_NAMES = {"string": "a string", "integer": "an integer", "number": "a number",
               "boolean": "true or false", "object": "an object", "array": "an array",
               "null": "null"}


@dataclass(frozen=True)
class ProfileProblem:
    """A place where the descriptor breaks the profile: its ``path`` (keys and indices from
    the top) and a ``message`` that names the place."""

    path: tuple[str | int, ...]
    message: str

    @property
    def pointer(self) -> str:
        """The place as a JSON pointer (RFC 6901), ``""`` for the whole descriptor."""
        return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in self.path)


def profile_problems(descriptor: Any) -> list[ProfileProblem]:
    """Every place where ``descriptor`` (parsed JSON) breaks the Data Package v2 profile, in
    the order of the descriptor."""
    problems = [p for p in map(_problem, _validator().iter_errors(descriptor)) if p is not None]
    return sorted(problems, key=lambda p: [(isinstance(k, str), str(k), k if isinstance(k, int)
                                            else 0) for k in p.path])


def is_datetime(value: Any) -> bool:
    """Whether ``value`` is an RFC 3339 date-time with its time (``2024-01-31T12:00:00Z``)."""
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d", value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@cache
def _validator() -> Validator:
    from jsonschema import FormatChecker
    from jsonschema.validators import validator_for
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    schema = json.loads(PROFILE_FILE.read_text(encoding="utf-8"))
    resource = Resource.from_contents(schema, default_specification=DRAFT7)
    registry: Registry[Any] = Registry().with_resource(PROFILE_URL, resource)
    formats = FormatChecker(formats=())
    formats.checks("date-time")(is_datetime)
    cls = validator_for(schema)
    return cls(schema, registry=registry, format_checker=formats)


def _problem(error: ValidationError) -> ProfileProblem | None:
    """The error as a located message; None when it only repeats another (a ``oneOf`` of
    required keys on a value that is no object: its type is reported)."""
    if error.validator in ("oneOf", "anyOf"):
        return _alternatives(error)
    path = tuple(error.absolute_path)
    pointer = ProfileProblem(path, "").pointer
    where = f"`{pointer}`" if pointer else "the descriptor"
    return ProfileProblem(path, f"{where} {_message(error)}")


def _message(error: ValidationError) -> str:
    """What is wrong at the error's place, in words (the value quoted short, if at all)."""
    kind = error.validator
    expected: Any = error.validator_value
    value: Any = error.instance
    if kind == "type":
        return f"must be {_types(expected)}, not {_kind_of(value)}"
    if kind == "required" and isinstance(value, dict):
        missing = [k for k in expected if k not in value and repr(k) in error.message]
        return "needs " + " and ".join(f"`{k}`" for k in missing or expected)
    if kind in ("minItems", "minProperties"):
        return "must not be empty" if expected == 1 else f"needs at least {expected} items"
    if kind == "enum":
        return f"must be one of {', '.join(map(_short, expected))}, not {_short(value)}"
    if kind == "pattern":
        return f"{_short(value)} does not match the pattern {expected}"
    if kind == "format" and expected == "date-time":
        return f"must be an RFC 3339 date-time, e.g. 2024-01-31T12:00:00Z, not {_short(value)}"
    if kind == "minimum":
        return f"must be at least {expected}, not {_short(value)}"
    return error.message if len(error.message) <= 200 else error.message[:199] + "…"


def _alternatives(error: ValidationError) -> ProfileProblem | None:
    """A ``oneOf``/``anyOf`` error: which keys are needed (when the alternatives are sets of
    required keys), which types are allowed, or the most relevant error of the alternative
    whose type the value has."""
    from jsonschema.exceptions import best_match

    options: Any = error.validator_value
    value: Any = error.instance
    path = tuple(error.absolute_path)
    pointer = ProfileProblem(path, "").pointer
    where = f"`{pointer}`" if pointer else "the descriptor"
    if all(set(o) == {"required"} for o in options):
        if not isinstance(value, dict):
            return None
        sets = [set(o["required"]) for o in options]
        common = set.intersection(*sets)
        choices = [" and ".join(f"`{k}`" for k in sorted(s - common)) for s in sets]
        if sum(s <= set(value) for s in sets) > 1:
            return ProfileProblem(path, f"{where} has {' and '.join(choices)}: it needs "
                                  "exactly one of them")
        needs = [f"`{k}`" for k in sorted(common - set(value))]
        if not any((s - common) <= set(value) for s in sets):
            needs.append(" or ".join(choices))
        return ProfileProblem(path, f"{where} needs {', and '.join(needs)}")
    types = [o.get("type") for o in options]
    matching = [i for i, t in enumerate(types) if isinstance(t, str) and _is_type(value, t)]
    if all(isinstance(t, str) for t in types) and not matching:
        return ProfileProblem(path, f"{where} must be {_types(types)}, not {_kind_of(value)}")
    context = [e for e in error.context or []
               if not matching or e.relative_schema_path[0] in matching]
    best = best_match(context)
    return None if best is None else _problem(best)


def _types(expected: Any) -> str:
    names = [_TYPE_NAMES.get(t, t) for t in ([expected] if isinstance(expected, str)
                                              else expected)]
    return " or ".join(names)


def _is_type(value: Any, name: str) -> bool:
    return {"string": isinstance(value, str), "object": isinstance(value, dict),
            "array": isinstance(value, list), "boolean": isinstance(value, bool),
            "null": value is None}.get(name, False) or (
        name in ("integer", "number") and isinstance(value, (int, float))
        and not isinstance(value, bool))


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {_short(value)}"
    return "an array" if isinstance(value, list) else "an object"


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"
