"""The schemas generated from the record models, committed under ``schemas/``:

- ``records.schema.json``: JSON Schema (draft-07, what editors support) of a record file, a
  mapping of kind -> list of records. With the YAML extension (yaml-language-server), put
  ``# yaml-language-server: $schema=../schemas/records.schema.json`` at the top of a record
  file, or map ``records/**/*.yaml`` to it in the editor's ``yaml.schemas`` setting;
- ``tables/<table>.json``: the Table Schema (Data Package v2) of each published table, as in
  ``datapackage.json`` (there, the foreign keys of ``-parquet`` resources name ``-parquet``
  resources).

``opencase schemas`` writes them; ``opencase schemas --check`` (and the test suite) fails when
the committed files differ from what the models generate.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from opencase.errors import UsageError
from opencase.language.casemodel import STANDARD, CaseModel
from opencase.publishing.layout import layout, table_schema
from opencase.report import Report
from opencase.validation.declared import model_in

__all__ = ["generated_files", "record_file_schema", "schemas", "stale_files", "write_schemas"]

RECORDS_SCHEMA = "records.schema.json"
TABLES_DIR = "tables"
_EDTF_DATE = r"\d{4}(-\d{2}(-\d{2})?)?[?~%]?"
EDTF_PATTERN = rf"^({_EDTF_DATE}|({_EDTF_DATE}|\.\.)?/({_EDTF_DATE}|\.\.)?)$"

README = """\
# Schemas (generated: do not edit)

Generated from the record models in `opencase/models.py` by `opencase schemas`; a test fails
when these files differ from what the models generate.

- `records.schema.json`: JSON Schema of a record file (any `*.yaml` under `records/`): a
  mapping from a kind to a list of records. For editor checks and completion with the YAML
  extension (yaml-language-server), start a record file with

      # yaml-language-server: $schema=../schemas/records.schema.json

  (opencase reads every scalar as text and lets the models type it, so it also accepts a few
  things this schema flags, such as a quoted number).
- `tables/<table>.json`: the Table Schema (Data Package v2) of each published table.

Tables: {tables}.
"""


def _editor_friendly(node: Any) -> Any:
    """EDTF fields: a pattern, and an unquoted year (read as an integer by editors) allowed."""
    if isinstance(node, dict):
        out = {k: _editor_friendly(v) for k, v in node.items()}
        if out.get("format") == "edtf":
            out["type"] = ["string", "integer"]
            out["pattern"] = EDTF_PATTERN
            out["minimum"], out["maximum"] = 1, 9999
        return out
    if isinstance(node, list):
        return [_editor_friendly(v) for v in node]
    return node


def record_file_schema(case_model: CaseModel = STANDARD) -> dict[str, Any]:
    """JSON Schema of a record file (of a dataset whose case model is ``case_model``: its
    added values and fields included)."""
    kinds = case_model.kinds
    _, top = models_json_schema([(m, "validation") for m in kinds.values()],
                                ref_template="#/definitions/{model}")
    props = {
        kind: {
            "type": "array",
            "description": (model.__doc__ or kind).strip().splitlines()[0],
            "items": {"$ref": f"#/definitions/{model.__name__}"},
        }
        for kind, model in kinds.items()
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "opencase record file",
        "description": "A mapping from a kind of record to a list of records of that kind. "
        "Every record has an `id` (a lowercase slug, unique across the dataset) and `cite`, "
        "the passages of its sources it rests on.",
        "type": "object",
        "properties": props,
        "additionalProperties": False,
        "definitions": _editor_friendly(top["$defs"]),
    }


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def generated_files(case_model: CaseModel = STANDARD) -> dict[str, str]:
    """Every file ``opencase schemas`` writes (for a dataset whose case model is
    ``case_model``): relative path -> text."""
    files = {RECORDS_SCHEMA: _dump(record_file_schema(case_model))}
    tables = layout(case_model)
    for name in tables:
        files[f"{TABLES_DIR}/{name}.json"] = _dump(table_schema(name, standalone=True,
                                                               case_model=case_model))
    files["README.md"] = README.format(tables=", ".join(f"`{n}`" for n in tables))
    return files


def stale_files(out: str | os.PathLike[str] = "schemas",
                case_model: CaseModel = STANDARD) -> list[str]:
    """The files under ``out`` that differ from (or are missing from, or are not among) the
    generated ones."""
    root = Path(out)
    files = generated_files(case_model)
    stale = [rel for rel, text in files.items()
             if not (root / rel).is_file() or (root / rel).read_bytes() != text.encode()]
    extra = root / TABLES_DIR
    if extra.is_dir():
        stale += [f"{TABLES_DIR}/{p.name}" for p in sorted(extra.glob("*.json"))
                  if f"{TABLES_DIR}/{p.name}" not in files]
    return sorted(stale)


def write_schemas(out: str | os.PathLike[str] = "schemas",
                  case_model: CaseModel = STANDARD) -> list[Path]:
    """Write the generated files under ``out`` (removing table schemas of tables that are
    gone) and return the paths written."""
    root = Path(out)
    (root / TABLES_DIR).mkdir(parents=True, exist_ok=True)
    files = generated_files(case_model)
    for p in (root / TABLES_DIR).glob("*.json"):
        if f"{TABLES_DIR}/{p.name}" not in files:
            p.unlink()
    written = []
    for rel, text in files.items():
        path = root / rel
        path.write_bytes(text.encode())
        written.append(path)
    return written


def schemas(out: str | os.PathLike[str] = "schemas", *,
            config: str | os.PathLike[str] | None = None) -> list[Path]:
    """What ``opencase schemas`` does: write every generated schema file under ``out``; with
    ``config`` (a dataset's package.yaml), those of the dataset's case model, its extensions
    included. Raises :class:`~opencase.errors.UsageError` when its ``model`` or
    ``extensions`` have mistakes (``opencase validate`` locates them)."""
    return write_schemas(out, dataset_model(config))


def dataset_model(config: str | os.PathLike[str] | None) -> CaseModel:
    """The case model the package.yaml ``config`` declares (``None``: the standard one)."""
    if config is None:
        return STANDARD
    report = Report()
    model = model_in(Path(config), report)
    if not report.ok:
        raise UsageError(f"{config} has mistakes in its model or extensions:\n"
                         + report.format_text())
    return model
