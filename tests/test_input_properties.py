"""Property-based tests over the readers and the codebook loader: whatever the bytes, the only
acceptable failure is our own clear error, and what was written is what is read."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode import QualcodeError, parse_codebook
from qualcode.io.cells import normalise_text
from qualcode.io.read import read_answers

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


def read_bytes_as(data: bytes, suffix: str, **options: object):  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"answers{suffix}"
        path.write_bytes(data)
        return read_answers(path, **options)


@SETTINGS
@given(st.binary(max_size=2000), st.sampled_from([".csv", ".txt", ".jsonl", ".xlsx", ".parquet"]))
def test_random_bytes_give_a_table_or_our_error(data: bytes, suffix: str) -> None:
    try:
        frame, source = read_bytes_as(data, suffix)
    except QualcodeError as exc:
        assert exc.code.startswith("E3") and "how to fix" in str(exc)
        return
    assert len(frame) == source.rows > 0


@SETTINGS
@given(st.text(max_size=800), st.sampled_from(["utf-8", "utf-16", "cp1252", "utf-8-sig"]))
def test_random_text_gives_a_table_or_our_error(text: str, encoding: str) -> None:
    data = text.encode(encoding, errors="replace")
    try:
        frame, source = read_bytes_as(data, ".csv")
    except QualcodeError as exc:
        assert exc.code.startswith("E3")
        return
    assert len(frame) == source.rows > 0
    for column in frame.columns:  # every cell is normalised text
        assert all(isinstance(v, str) and normalise_text(v) == v for v in frame[column])


# NUL is excluded: a file holding NUL bytes is refused as binary (E311), by design.
CELL = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)


@SETTINGS
@given(
    st.integers(min_value=2, max_value=5).flatmap(
        lambda width: st.lists(
            st.lists(CELL, min_size=width, max_size=width), min_size=1, max_size=8
        )  # fmt: skip
    ),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_any_table_written_by_csv_is_read_back(
    rows: list[list[str]], delimiter: str, newline: str, encoding: str
) -> None:
    header = [f"c{i}" for i in range(len(rows[0]))]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline,
                        quoting=csv.QUOTE_MINIMAL)  # fmt: skip
    writer.writerows([header, *rows])
    # QUOTE_MINIMAL quotes only the line terminator's own characters: with "\r" endings an
    # answer's "\n" would go out bare. Quote every cell then, as spreadsheet tools do.
    if any("\r" in cell or "\n" in cell for row in rows for cell in row):
        buffer = io.StringIO(newline="")
        csv.writer(buffer, delimiter=delimiter, lineterminator=newline,
                   quoting=csv.QUOTE_ALL).writerows([header, *rows])  # fmt: skip
    data = buffer.getvalue().encode(encoding)
    frame, source = read_bytes_as(data, ".csv", delimiter=delimiter)
    expected = [[normalise_text(cell) for cell in row] for row in rows]
    # A row whose cells are all empty is written as a blank line only when it has one cell;
    # every row here has at least two, so every row must come back.
    assert frame.values.tolist() == expected
    assert source.rows == len(rows)


@SETTINGS
@given(
    st.lists(
        st.lists(
            st.text("abcdefghij klmnop.!?'\"\n-", min_size=1, max_size=20), min_size=3, max_size=3
        ),  # fmt: skip
        min_size=2,
        max_size=10,
    ),
    st.sampled_from([",", ";", "\t", "|"]),
)
def test_the_delimiter_is_found_without_being_told(rows: list[list[str]], delimiter: str) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(
        [["id", "answer", "region"], *rows]
    )
    frame, source = read_bytes_as(buffer.getvalue().encode(), ".csv")
    assert source.delimiter == delimiter
    assert frame.values.tolist() == [[normalise_text(c) for c in row] for row in rows]


@SETTINGS
@given(st.text(max_size=400))
def test_random_codebook_text_loads_or_gives_our_error(text: str) -> None:
    try:
        parse_codebook(text, "random.yaml")
    except QualcodeError as exc:
        assert exc.code.startswith("E1") and "how to fix" in str(exc)


KEYS = st.sampled_from(
    [
        "name",
        "codes",
        "id",
        "label",
        "match",
        "unless",
        "near",
        "regex",
        "phrase",
        "negation",
        "definition",
        "examples",
        "language",
        "window",
    ]
)


@SETTINGS
@given(
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10), KEYS),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)
        ),  # fmt: skip
        max_leaves=20,
    )
)
def test_random_yaml_structures_load_or_give_our_error(tree: object) -> None:
    from ruamel.yaml import YAML

    buffer = io.StringIO()
    YAML(typ="safe").dump({"name": "T", "codes": tree}, buffer)
    try:
        parse_codebook(buffer.getvalue(), "random.yaml")
    except QualcodeError as exc:
        assert exc.code.startswith(("E1", "E2")) and "how to fix" in str(exc)


@SETTINGS
@given(st.binary(max_size=600))
def test_random_codebook_bytes_load_or_give_our_error(data: bytes) -> None:
    from qualcode import load_codebook

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "codebook.yaml"
        path.write_bytes(data)
        try:
            load_codebook(path)
        except QualcodeError as exc:
            assert exc.code.startswith(("E1", "E2")) and "how to fix" in str(exc)
