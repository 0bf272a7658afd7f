"""Quote matching: tolerant of typography and white space, exact about words and place."""

from __future__ import annotations

from pathlib import Path

import pytest

from opencase.validation.quotes import Snapshot, SnapshotIndex, find_quote, normalise

from .conftest import SHARED_SOURCES, needs_shared

ARTICLE = "78cf75dbeb4e386e71f1578713c75f05ec0d5f8a096b1f28b66cdf159911437b"
COMMENTARY = "c8a3f2642196f3bcf437ce89bea4ef9af037829a3dd05d87d836f3230863807f"


def snap(text: str, tmp_path: Path) -> Snapshot:
    path = tmp_path / "s.txt"
    path.write_text(text, encoding="utf-8")
    return Snapshot("x", path)


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("it made his \u201cblood boil.\u201d", 'it made his "blood boil."'),
        ("the council\u2019s warnings", "the council's warnings"),
        ("the town\u2014and we", "the town - and we"),
        ("2014\u20132015", "2014-2015"),
        ("Stephen\u00a0Port", "Stephen Port"),
        ("line one\nline two", "line one line two"),
        ("wide   gap", "wide gap"),
        ("caf\u00e9", "cafe\u0301"),  # composed vs decomposed
        ("\ufb01nal report", "final report"),  # ligature (compatibility)
    ],
)
def test_typography_is_tolerated(text: str, quote: str, tmp_path: Path) -> None:
    (m,) = find_quote(snap(text, tmp_path), quote)
    assert m.start == 0 or text[m.start - 1] == " "


def test_offsets_point_into_the_raw_text(tmp_path: Path) -> None:
    text = "A\u00a0B said \u201cgo\u00a0now\u201d."
    (m,) = find_quote(snap(text, tmp_path), 'said "go now"')
    assert text[m.start : m.end] == "said \u201cgo\u00a0now\u201d"


def test_words_must_match(tmp_path: Path) -> None:
    s = snap("nine officers fell below the standard", tmp_path)
    assert find_quote(s, "ten officers fell below the standard") == []
    assert find_quote(s, "Nine officers") == []  # case matters


def test_prefix_and_suffix_pick_one(tmp_path: Path) -> None:
    s = snap("He said: yes. She said: yes.", tmp_path)
    assert len(find_quote(s, "said: yes")) == 2
    (m,) = find_quote(s, "said: yes", prefix="She")
    assert m.start == 18
    (m,) = find_quote(s, "He said", suffix=": yes")
    assert m.start == 0
    assert find_quote(s, "said: yes", prefix="They") == []


def test_normalise_maps_every_character_back() -> None:
    text = "a \u201cb\u201d\u00a0 c\u2014d"
    norm, idx = normalise(text)
    assert norm == 'a "b" c-d'
    assert len(idx) == len(norm)
    assert [text[i] for i in idx][2] == "\u201c"


@needs_shared
@pytest.mark.parametrize(
    ("sha", "quote", "raw"),
    [
        (ARTICLE, "Police won't face misconduct charges",
         "Police won\u2019t face misconduct charges"),
        (ARTICLE, 'made his "blood boil."', "made his \u201cblood boil.\u201d"),
        # the article's last sentence: the file has no final newline
        (ARTICLE, "focus of the new inquest into the deaths of the four victims.",
         "focus of the new inquest into the deaths of the four victims."),
        (COMMENTARY, "found to have 'fallen short'", "found to have \u2018fallen short\u2019"),
        (COMMENTARY, "Anthony Walgate, 23, Gabriel Kovari, 22",
         "Anthony Walgate, 23, Gabriel Kovari, 22"),
    ],
)
def test_real_snapshots(sha: str, quote: str, raw: str) -> None:
    index = SnapshotIndex(SHARED_SOURCES)
    snapshot = index.get(sha)
    assert snapshot is not None
    (m,) = find_quote(snapshot, quote)
    assert snapshot.text[m.start : m.end] == raw
    assert not snapshot.text.endswith("\n") or sha == COMMENTARY


@needs_shared
def test_real_snapshot_non_breaking_spaces() -> None:
    snapshot = SnapshotIndex(SHARED_SOURCES).get(ARTICLE)
    assert snapshot is not None
    assert "\u00a0" in snapshot.text
    text = snapshot.text
    nbsp_at = text.index("\u00a0")
    # the words around it, from the space before the previous word to the one after the next
    start = text.rindex(" ", 0, nbsp_at - 1) + 1
    end = text.index(" ", nbsp_at + 2)
    (m,) = find_quote(snapshot, text[start:end].replace("\u00a0", " "))
    assert (m.start, m.end) == (start, end)


def test_quotes_are_matched_in_the_bytes_that_were_hashed(tmp_path: Path) -> None:
    """A snapshot changed on disk after the folder was indexed: quotes are still checked
    against the text whose SHA-256 the index holds, never a re-read of the file."""
    import hashlib

    folder = tmp_path / "snapshots"
    folder.mkdir()
    raw = b"The review found that 12 staff had ignored the gauges.\n"
    (folder / "a.txt").write_bytes(raw)
    index = SnapshotIndex(folder)
    (folder / "a.txt").write_bytes(raw.replace(b"12", b"21"))
    snapshot = index.get(hashlib.sha256(raw).hexdigest())
    assert snapshot is not None
    assert [(m.start, m.end) for m in find_quote(snapshot, "12 staff")] == [(22, 30)]
    assert find_quote(snapshot, "21 staff") == []
