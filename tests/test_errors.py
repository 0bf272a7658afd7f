"""One exception hierarchy: what opencase raises on purpose derives from OpencaseError, and from
the built-in exception a caller may already catch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import opencase
from opencase import errors


@pytest.mark.parametrize("name", errors.__all__)
def test_every_exception_derives_from_the_base(name: str) -> None:
    assert issubclass(getattr(errors, name), opencase.OpencaseError)


@pytest.mark.parametrize(("call", "builtin"), [
    (lambda tmp: opencase.validate(tmp / "no-records"), FileNotFoundError),
    (lambda tmp: opencase.validate(tmp, tmp / "no-snapshots"), NotADirectoryError),
    (lambda tmp: opencase.coverage(tmp), ValueError),
    (lambda tmp: opencase.load(tmp / "nothing"), Exception),
    (lambda tmp: opencase.check(tmp / "nothing"), Exception),
], ids=["records-missing", "snapshots-missing", "coverage-without-snapshots", "load-missing",
        "check-missing"])
def test_a_failure_to_start_is_an_opencase_error(tmp_path: Path, call: Any,
                                               builtin: type[Exception]) -> None:
    with pytest.raises(opencase.OpencaseError) as caught:
        call(tmp_path)
    assert isinstance(caught.value, builtin)
