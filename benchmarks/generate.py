"""Deterministic synthetic data for the opencase benchmarks.

``python benchmarks/generate.py --size 100k`` writes, under ``benchmarks/data/100k/``:

- ``records/``: YAML record files of every kind (cases, sources, people, organisations,
  groups, events, proceedings, findings, statements, relationships), a few thousand records per
  file, written the way curators write them (plain and quoted scalars, folded descriptions,
  flow lists, comments, non-ASCII names). Every record cites a source with a quote; every event
  has a participant and a citation.
- ``snapshots/``: one plain-text article per source (one paragraph per line, typographic
  quotes, apostrophes and dashes), named by nothing in particular and found by SHA-256. Every
  quote occurs exactly once in its source's snapshot (after opencase's normalisation).

- ``package.yaml``: the package metadata, beside ``records/``;
- ``package/``: the published package, built by ``opencase publish`` from the records (see
  :func:`build_package`; ``--package``).

Sizes are counted in events: ``10k``, ``100k``, ``1m`` (or any number). The same size and seed
always give the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RECORDS_PER_FILE = 5000

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "Alex Sam Jamie Chris Jordan Taylor Morgan Casey Riley Robin Charlie Drew Ellis Frankie "
    "Harper Jesse Kai Lee Max Noel Parker Quinn Reese Rowan Sasha Toby Val Wren Zoë José "
    "Siobhán Łukasz Amara Chidi Farah Hamza Ines Jun Kofi Leila Mateo Nadia Omar Priya Ravi "
    "Sofia Tariq Uma Yusuf Zara Aoife Bríd Ciarán Dafydd Eilidh Fionn Gareth Hywel Iwan Mairead"
)
LAST = _words(
    "Morgan Walker Hughes Patel Khan O'Brien Nguyen Smith Jones Taylor Brown Davies Evans "
    "Wilson Thomas Roberts Johnson Lewis Wright Green Hall Wood Clarke Jackson Hill Moore "
    "Ahmed Ali Begum Campbell Kelly Murphy Doyle McCarthy Ní Bhriain Kowalski Müller García "
    "Rossi Haddad Okafor Mensah Silva Costa Novak Ivanova Dubois Larsen Andersen Fischer Weber "
    "Schmidt Brennan Gallagher Quinn Reilly Byrne Walsh Ryan Lynch Duffy Ward Price Bennett "
    "Griffiths Cooper Turner Parker Edwards Collins Stewart Morris Rogers Cook Bailey Bell"
    .replace("Ní Bhriain", "Ní-Bhriain")
)
PLACES = _words(
    "Leeds Barking Cardiff Glasgow Belfast Bristol Norwich Derby Hull Swansea Leicester "
    "Brighton Croydon Hackney Salford Wrexham Dundee Exeter Carlisle Lincoln Preston Bangor "
    "Gateshead Sunderland Reading Luton Slough Oldham Bolton Wigan Stockport Coventry Walsall"
)
JOBS = (
    "a warehouse worker", "a nurse", "a student", "a retired teacher", "a police officer",
    "a detective sergeant", "a bus driver", "a care worker", "a chef", "a shop manager",
    "a solicitor", "a coroner's officer", "a paramedic", "a social worker", "a journalist",
)
MONTHS = _words(
    "January February March April May June July August September October November December"
)
# event type -> what the article says happened (the person's name goes first)
EVENTS = {
    "arrest": ("was arrested in {place}", "suspect"),
    "charge": ("was charged at {place} police station", "defendant"),
    "conviction": ("was convicted at {place} Crown Court", "defendant"),
    "sentencing": ("was sentenced at {place} Crown Court", "defendant"),
    "death": ("died in {place}", "victim"),
    "attack": ("was attacked in {place}", "victim"),
    "discovery": ("was found in {place}", "victim"),
    "interview": ("was interviewed by detectives in {place}", "witness"),
    "statement": ("gave a statement to police in {place}", "witness"),
    "warning": ("was given a warning in {place}", "subject"),
    "investigation": ("was investigated by officers in {place}", "subject"),
}
EVENT_TYPES = tuple(EVENTS)
ORG_TYPES = ("police-force", "police-oversight", "court", "coroner", "government", "charity",
             "news-organisation")
SOURCE_KINDS = ("news-article", "news-article", "news-article", "report", "blog-post",
                "official-statement")
LEADS = (
    "Police said that", "Court records show that", "According to the report,",
    "The inquest heard that", "Officers confirmed that", "It emerged that",
    "Documents seen by reporters show that", "The family said that",
)
FILLER = (
    "The force declined to comment further while proceedings were continuing.",
    "A spokesperson said the matter had been referred to the watchdog.",
    "Campaigners have called for a full public inquiry into the handling of the case.",
    "The council said lessons would be learned and procedures reviewed.",
    "Relatives have waited years for answers about what happened.",
    "The watchdog's report runs to more than 200 pages.",
)


def typographic(text: str) -> str:
    """How a news site prints ASCII text: curly apostrophes and quotes, spaced en dashes."""
    out = []
    open_double = True
    for i, c in enumerate(text):
        if c == "'":
            out.append("\u2019" if i and text[i - 1].isalnum() else "\u2018")
        elif c == '"':
            out.append("\u201c" if open_double else "\u201d")
            open_double = not open_double
        else:
            out.append(c)
    return "".join(out).replace(" - ", " \u2013 ")


def person_name(i: int) -> str:
    f = FIRST[i % len(FIRST)]
    rest = i // len(FIRST)
    last = LAST[rest % len(LAST)]
    initial = chr(ord("A") + (rest // len(LAST)) % 26)
    extra = rest // (len(LAST) * 26)
    middle = f"{initial}." if not extra else f"{initial}. {FIRST[extra % len(FIRST)]}"
    return f"{f} {middle} {last}"


def edtf_and_words(rng: random.Random) -> tuple[str, str]:
    """A date at a precision the source gives: (EDTF, how the article writes it)."""
    year = rng.randrange(1990, 2025)
    month = rng.randrange(1, 13)
    day = rng.randrange(1, 29)
    r = rng.random()
    if r < 0.6:
        return f"{year}-{month:02d}-{day:02d}", f"on {day} {MONTHS[month - 1]} {year}"
    if r < 0.85:
        return f"{year}-{month:02d}", f"in {MONTHS[month - 1]} {year}"
    return f"{year}", f"in {year}"


def yaml_text(value: str) -> str:
    """A plain scalar when YAML keeps it as the same text, else a double-quoted one."""
    plain_ok = (
        value
        and value[0] not in "-?:,[]{}#&*!|>'\"%@`"
        and ": " not in value
        and " #" not in value
        and not value.endswith(":")
        and value.strip() == value
    )
    if plain_ok:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Generator:
    def __init__(self, events: int, seed: int) -> None:
        self.n = events
        self.rng = random.Random(seed)
        self.seed = seed
        self.n_cases = max(2, events // 2000)
        self.n_orgs = max(20, events // 500)
        self.n_people = max(50, events // 10)
        self.n_groups = max(5, events // 2000)
        self.n_sources = max(10, events // 50)
        self.n_proceedings = max(5, events // 200)
        self.n_findings = max(5, events // 200)
        self.n_statements = max(5, events // 200)
        self.n_relationships = max(5, events // 200)
        # source index -> sentences its article holds (each holding one record's quote)
        self.sentences: list[list[str]] = [[] for _ in range(self.n_sources)]
        self.files: dict[str, list[str]] = {}
        self.counts: dict[str, int] = {}

    # ---- helpers

    def cite(self, quote: str, sentence: str, extra: str = "") -> str:
        """A citation of a random source; its article gets ``sentence`` (holding ``quote``)."""
        s = self.rng.randrange(self.n_sources)
        self.sentences[s].append(sentence)
        return (f"    cite:\n      - source: source-{s:05d}\n"
                f"        quote: {yaml_text(quote)}\n{extra}")

    def emit(self, kind: str, items: list[str]) -> None:
        self.counts[kind] = len(items)
        header = f"# Synthetic {kind} records (opencase benchmarks, seed {self.seed}).\n"
        for part, start in enumerate(range(0, len(items), RECORDS_PER_FILE), 1):
            chunk = items[start : start + RECORDS_PER_FILE]
            name = f"{kind}-{part:04d}.yaml" if len(items) > RECORDS_PER_FILE else f"{kind}.yaml"
            self.files[name] = header + f"{kind}:\n" + "".join(chunk)

    def rid(self, prefix: str, i: int, width: int) -> str:
        return f"{prefix}-{i:0{width}d}"

    # ---- kinds

    def build(self) -> None:
        rng = self.rng
        cases = []
        for i in range(self.n_cases):
            place = PLACES[i % len(PLACES)]
            name = f"{place} deaths inquiry {i + 1}"
            quote = f"the {place} deaths case, number {i + 1} on the list"
            cases.append(
                f"  - id: case-{i:04d}\n    name: {name}\n"
                f"    description: >-\n      Deaths in {place} and the police response to them,\n"
                f"      as examined by inquests and the watchdog.\n"
                + self.cite(quote, f"This is {quote} that campaigners keep.")
            )
        self.emit("cases", cases)

        orgs = []
        for i in range(self.n_orgs):
            t = ORG_TYPES[i % len(ORG_TYPES)]
            place = PLACES[i % len(PLACES)]
            name = {
                "police-force": f"{place} Police", "police-oversight": f"{place} Police Board",
                "court": f"{place} Crown Court", "coroner": f"{place} Coroner's Court",
                "government": f"{place} City Council", "charity": f"{place} Victims' Trust",
                "news-organisation": f"{place} Evening Post",
            }[t] + (f" ({i // len(PLACES) + 1})" if i >= len(PLACES) else "")
            quote = f"{name}, which has served the area for years"
            orgs.append(
                f"  - id: org-{i:05d}\n    name: {yaml_text(name)}\n    type: {t}\n"
                + self.cite(quote, f"A statement came from {quote}.")
            )
        self.emit("organisations", orgs)

        people = []
        for i in range(self.n_people):
            name = person_name(i)
            job = JOBS[rng.randrange(len(JOBS))]
            age = rng.randrange(18, 90)
            quote = f"{name}, {age}, {job}"
            rec = f"  - id: person-{i:06d}\n    name: {name}\n    description: {job[2:]}\n"
            if rng.random() < 0.7:
                rec += f"    reported_age: {age}\n"
                if rng.random() < 0.5:
                    rec += f'    reported_age_as_of: "{rng.randrange(1995, 2024)}"\n'
                supports = "name, description, reported_age"
            else:
                supports = "name, description"
            people.append(rec + self.cite(
                quote, f"{rng.choice(LEADS)} {quote} from {rng.choice(PLACES)}, was named.",
                f"        supports: [{supports}]\n",
            ))
        self.emit("people", people)

        groups = []
        for i in range(self.n_groups):
            count = rng.randrange(2, 40)
            org = rng.randrange(self.n_orgs)
            quote = f"criticised {count} officers in unit {i + 1} for"
            groups.append(
                f"  - id: group-{i:04d}\n    name: officers of unit {i + 1}\n"
                f"    count: {count}\n    organisation: org-{org:05d}\n"
                + self.cite(quote, f"The report {quote} their failings.")
            )
        self.emit("groups", groups)

        events = []
        n_people = self.n_people
        for i in range(self.n):
            etype = EVENT_TYPES[rng.randrange(len(EVENT_TYPES))]
            phrase, role = EVENTS[etype]
            place = PLACES[rng.randrange(len(PLACES))]
            who = rng.randrange(n_people)
            name = person_name(who)
            edtf, words = edtf_and_words(rng)
            what = f"{name} {phrase.format(place=place)}"
            quote = f"in incident {i:07d}, {what} {words}"
            date = f'"{edtf}"' if len(edtf) == 4 else edtf
            if rng.random() < 0.1:
                desc = f">-\n      {what}\n      {words}.\n"
            else:
                desc = f"{what} {words}.\n"
            extra = "        supports: [description, date]\n" if i % 8 == 0 else ""
            events.append(
                f"  - id: event-{i:07d}\n    case: case-{rng.randrange(self.n_cases):04d}\n"
                f"    type: {etype}\n    date: {date}\n    description: {desc}"
                f"    place: {place}\n    participants:\n      - who: person-{who:06d}\n"
                f"        role: {role}\n"
                + self.cite(quote, f"{rng.choice(LEADS)} {quote}.", extra)
            )
        self.emit("events", events)

        proceedings = []
        for i in range(self.n_proceedings):
            org = rng.randrange(self.n_orgs)
            subject = rng.randrange(self.n_groups)
            ptype = ("inquest", "misconduct-investigation", "review", "criminal-trial")[i % 4]
            quote = f"the {ptype.replace('-', ' ')} numbered {i + 1} last year"
            proceedings.append(
                f"  - id: proceeding-{i:05d}\n    case: case-{rng.randrange(self.n_cases):04d}\n"
                f"    type: {ptype}\n    name: {ptype.replace('-', ' ')} {i + 1}\n"
                f"    conducted_by: org-{org:05d}\n    status: concluded\n"
                f"    subjects: [group-{subject:04d}, org-{org:05d}]\n"
                + self.cite(quote, f"Families gave evidence to {quote}.")
            )
        self.emit("proceedings", proceedings)

        findings = []
        for i in range(self.n_findings):
            p = rng.randrange(self.n_proceedings)
            count = rng.randrange(2, 20)
            quote = f"found {count} failings in case review {i + 1},"
            findings.append(
                f"  - id: finding-{i:05d}\n    proceeding: proceeding-{p:05d}\n"
                f"    type: failing\n    description: {count} failings were found.\n"
                f"    count: {count}\n"
                + self.cite(quote, f"The panel {quote} the report said.")
            )
        self.emit("findings", findings)

        statements = []
        for i in range(self.n_statements):
            who = rng.randrange(n_people)
            words = f"We were let down in case {i + 1} - and we want answers"
            quote = f'{person_name(who)} said: "{words}."'
            statements.append(
                f"  - id: statement-{i:05d}\n    speaker: person-{who:06d}\n    type: quote\n"
                f"    text: {yaml_text(words + '.')}\n"
                f"    about: [case-{rng.randrange(self.n_cases):04d}]\n"
                + self.cite(quote, quote)
            )
        self.emit("statements", statements)

        relationships = []
        for i in range(self.n_relationships):
            a, b = rng.randrange(n_people), rng.randrange(n_people)
            quote = f"{person_name(a)}, a friend of {person_name(b)} (ref {i + 1})"
            relationships.append(
                f"  - id: relationship-{i:05d}\n    subject: person-{a:06d}\n"
                f"    type: friend-of\n    object: person-{b:06d}\n"
                + self.cite(quote, f"Among those named was {quote}.")
            )
        self.emit("relationships", relationships)

    def snapshots(self) -> list[tuple[str, bytes]]:
        """(file name, bytes) of every source's article; sentences shuffled into paragraphs."""
        out = []
        for s, sentences in enumerate(self.sentences):
            rng = random.Random(self.seed * 1_000_003 + s)
            rng.shuffle(sentences)
            lines = [f"Source {s}: families demand answers over police failings", ""]
            para: list[str] = []
            for sentence in sentences:
                para.append(typographic(sentence))
                if rng.random() < 0.25:
                    para.append(FILLER[rng.randrange(len(FILLER))])
                if len(para) >= 4:
                    lines += [" ".join(para), ""]
                    para = []
            if para:
                lines += [" ".join(para), ""]
            lines.append("\u00a9 Synthetic article for the opencase benchmarks.")
            out.append((f"article-{s:05d}.txt", "\n".join(lines).encode("utf-8")))
        return out

    def sources(self, hashes: list[str]) -> None:
        rng = self.rng
        items = []
        publishers = [i for i in range(self.n_orgs) if ORG_TYPES[i % len(ORG_TYPES)]
                      == "news-organisation"]
        for s, sha in enumerate(hashes):
            kind = SOURCE_KINDS[s % len(SOURCE_KINDS)]
            rec = (f"  - id: source-{s:05d}\n    title: Families demand answers over police "
                   f"failings ({s})\n    kind: {kind}\n")
            if publishers and rng.random() < 0.8:
                rec += f"    publisher: org-{publishers[rng.randrange(len(publishers))]:05d}\n"
            if rng.random() < 0.6:
                rec += f"    published: {rng.randrange(1995, 2025)}-{rng.randrange(1, 13):02d}\n"
            rec += (f"    url: https://news.example.org/articles/{s:05d}\n"
                    f"    language: en\n    sha256: {sha}\n")
            items.append(rec)
        self.emit("sources", items)


def generate(size: str, seed: int = 1, out: Path | None = None, force: bool = False) -> Path:
    """Write ``records/`` and ``snapshots/`` for ``size`` events; returns the size's folder."""
    events = SIZES.get(size.lower()) or int(size)
    folder = out or DATA / size.lower()
    stamp = folder / ".generated"
    tag = f"events={events} seed={seed} version=2\n"
    if not force and stamp.exists() and stamp.read_text() == tag:
        return folder
    for sub in ("records", "snapshots"):
        shutil.rmtree(folder / sub, ignore_errors=True)
    stamp.unlink(missing_ok=True)
    (folder / "records").mkdir(parents=True)
    (folder / "snapshots").mkdir(parents=True)
    t0 = time.perf_counter()
    g = Generator(events, seed)
    g.build()
    hashes = []
    for name, data in g.snapshots():
        (folder / "snapshots" / name).write_bytes(data)
        hashes.append(hashlib.sha256(data).hexdigest())
    g.sources(hashes)
    for name, text in sorted(g.files.items()):
        (folder / "records" / name).write_text(text, encoding="utf-8")
    (folder / "package.yaml").write_text(PACKAGE_YAML.format(size=size), encoding="utf-8")
    stamp.write_text(tag)
    total = sum(g.counts.values())
    print(f"generated {size}: {total:,} records in {len(g.files)} files, {len(hashes):,} "
          f"snapshots, in {time.perf_counter() - t0:.1f} s -> {folder}", file=sys.stderr)
    return folder


PACKAGE_YAML = """\
# Metadata of the synthetic benchmark package (see opencase/publishing/metadata.py).
name: opencase-benchmark-{size}
title: Synthetic cases for the opencase benchmarks ({size} events)
version: 1.0.0
description: Generated by benchmarks/generate.py; not about real people or events.
licenses:
  - name: CC0-1.0
"""


def _layout_digest() -> str:
    """A digest of the published tables' schemas: a package published by an opencase with
    another layout is published again."""
    from opencase.publishing.layout import layout, table_schema

    schemas = [table_schema(name) for name in layout()]
    text = json.dumps(schemas, sort_keys=True)
    return "\nlayout " + hashlib.sha256(text.encode()).hexdigest()


def build_package(folder: Path, force: bool = False) -> Path:
    """Publish ``folder/records`` with ``opencase publish`` into ``folder/package`` (once)."""
    out = folder / "package"
    stamp = folder / ".published"
    source = (folder / ".generated").read_text() + _layout_digest()
    if not force and stamp.exists() and stamp.read_text() == source and out.is_dir():
        return out
    t0 = time.perf_counter()
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    subprocess.run(
        [sys.executable, "-m", "opencase", "publish", str(folder / "records"),
         "--snapshots", str(folder / "snapshots"), "--out", str(out)],
        check=True, env=env, stdout=subprocess.DEVNULL,
    )
    stamp.write_text(source)
    print(f"published {folder.name} in {time.perf_counter() - t0:.1f} s -> {out}",
          file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", action="append", help="10k, 100k, 1m or a number of events "
                    "(repeatable; default: 10k)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true", help="regenerate even if present")
    ap.add_argument("--package", action="store_true",
                    help="also publish the records into <size>/package with opencase publish")
    args = ap.parse_args(argv)
    for size in args.size or ["10k"]:
        folder = generate(size, args.seed, force=args.force)
        if args.package:
            build_package(folder, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
