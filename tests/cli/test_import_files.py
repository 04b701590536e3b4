"""Imports of everyday files: a byte order mark and CRLF are fine, errors are capped and
counted, a bad value is quoted short, and a refused import leaves no store behind."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustengine.cli import main

CONTACT = (
    '{{"type": "CustomerContacted", "customer": "cust-1", "at": "2026-03-0{day}T09:00:00+00:00",'
    ' "data": {{"direction": "inbound"}}}}'
)


def contact(day: int) -> str:
    return CONTACT.format(day=day)


def unknown_type(name: str) -> str:
    return json.dumps({"type": name, "customer": "c", "at": "2026-03-01T09:00:00+00:00"})


def test_a_byte_order_mark_and_crlf_line_ends_import(tmp_path: Path) -> None:
    path = tmp_path / "windows.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + f"{contact(1)}\r\n\r\n{contact(2)}\r\n".encode())

    result = CliRunner().invoke(main, ["import", str(path), "--db", str(tmp_path / "t.db")])

    assert (result.exit_code, result.output) == (
        0,
        f"Imported 2 events (0 already stored) from {path}.\n",
    )


def test_stdin_with_a_byte_order_mark_and_crlf_imports(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + f"{contact(1)}\r\n".encode()

    result = CliRunner().invoke(main, ["import", "-", "--db", str(tmp_path / "t.db")], input=data)

    assert (result.exit_code, result.output) == (
        0,
        "Imported 1 events (0 already stored) from -.\n",
    )


def test_errors_are_capped_and_the_total_is_always_given(tmp_path: Path) -> None:
    path = tmp_path / "wrong.jsonl"
    path.write_text("".join(unknown_type(f"Nope{n}") + "\n" for n in range(1, 61)))

    capped = CliRunner().invoke(main, ["import", str(path), "--db", str(tmp_path / "t.db")])
    two = CliRunner().invoke(
        main, ["import", str(path), "--max-errors", "2", "--db", str(tmp_path / "t.db")]
    )

    lines = capped.stderr.splitlines()
    assert capped.exit_code == 2
    assert len(lines) == 52
    assert lines[0] == f"Error: {path}:1: unknown event type 'Nope1'"
    assert lines[49] == f"{path}:50: unknown event type 'Nope50'"
    assert lines[50:] == [
        "… and 10 more bad lines",
        f"60 bad lines of 60 in {path}; nothing was stored",
    ]
    assert (two.exit_code, two.stderr) == (
        2,
        f"Error: {path}:1: unknown event type 'Nope1'\n"
        f"{path}:2: unknown event type 'Nope2'\n"
        "… and 58 more bad lines\n"
        f"60 bad lines of 60 in {path}; nothing was stored\n",
    )
    assert list(tmp_path.iterdir()) == [path]


def test_a_huge_bad_value_is_quoted_to_200_characters(tmp_path: Path) -> None:
    huge = "x" * 5_000_000
    path = tmp_path / "huge.jsonl"
    path.write_text(
        json.dumps(
            {
                "type": "CustomerContacted",
                "customer": "cust-1",
                "at": "2026-03-01T09:00:00+00:00",
                "data": {"direction": huge},
            }
        )
        + "\n"
        + unknown_type("T" + huge)
        + "\n"
    )

    result = CliRunner().invoke(main, ["import", str(path), "--db", str(tmp_path / "t.db")])

    quoted = json.dumps(huge)[:200]
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {path}:1: CustomerContacted: data.direction = {quoted}… (5,000,002 characters):"
        " Input should be 'inbound' or 'outbound' (rule: allowed-values)\n"
        f"{path}:2: unknown event type {repr('T' + huge)[:200]}… (5,000,003 characters)\n"
        f"2 bad lines of 2 in {path}; nothing was stored\n",
    )


def test_a_line_that_is_not_utf8_is_one_line_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(f"{contact(1)}\n".encode() + b'{"summary": "caf\xe9"}\n')

    result = CliRunner().invoke(main, ["import", str(path), "--db", str(tmp_path / "t.db")])

    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {path}:2: not UTF-8 (byte 0xe9 at column 17)\n"
        f"1 bad line in {path}; nothing was stored\n",
    )
    assert list(tmp_path.iterdir()) == [path]


def test_an_all_bad_file_into_a_new_path_creates_no_store(tmp_path: Path) -> None:
    path = tmp_path / "rules.jsonl"
    ack = '{"type": "ComplaintAcknowledged", "customer": "c", "case": "C-9", "at": '
    path.write_text(ack + '"2026-03-01T09:00:00+00:00"}\nnot json\n')

    result = CliRunner().invoke(main, ["import", str(path), "--db", str(tmp_path / "new.db")])

    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: {path}:1: case 'C-9' has no ComplaintFiled: ComplaintAcknowledged needs one"
        " (rule: case-must-exist)\n"
        f"{path}:2: not valid JSON: Expecting value at column 1\n"
        f"2 bad lines of 2 in {path}; nothing was stored\n",
    )
    assert list(tmp_path.iterdir()) == [path]


LINES = st.lists(
    st.one_of(
        st.binary(max_size=60),
        st.text(max_size=60).map(str.encode),
        st.sampled_from([contact(1), contact(2), "{}", "[]", "\ufeff" + contact(3), "null"]).map(
            str.encode
        ),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
            max_leaves=8,
        ).map(lambda v: json.dumps(v).encode()),
    ),
    max_size=6,
)
ENDINGS = st.sampled_from([b"\n", b"\r\n", b"\r", b""])


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=LINES, ending=ENDINGS, bom=st.booleans())
def test_arbitrary_bytes_never_traceback_and_never_store_part_of_a_file(
    tmp_path: Path, lines: list[bytes], ending: bytes, bom: bool
) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + ending.join(lines))
    db = tmp_path / "fuzz.db"
    db.unlink(missing_ok=True)

    result = CliRunner().invoke(main, ["import", str(path), "--db", str(db)])

    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert not db.exists()
        assert result.stderr.startswith("Error: ")
        assert "nothing was stored" in result.stderr.splitlines()[-1]
    else:
        exported = CliRunner().invoke(main, ["export", "--db", str(db)])
        stored = int(result.output.split()[1])
        assert exported.output.count("\n") == stored


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=LINES, ending=ENDINGS)
def test_arbitrary_bytes_into_a_store_leave_it_as_it_was_or_add_whole_lines(
    tmp_path: Path, lines: list[bytes], ending: bytes
) -> None:
    db = tmp_path / "kept.db"
    if not db.exists():
        seed = tmp_path / "seed.jsonl"
        seed.write_text(contact(1) + "\n")
        assert CliRunner().invoke(main, ["import", str(seed), "--db", str(db)]).exit_code == 0
    before = CliRunner().invoke(main, ["export", "--db", str(db)]).output
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(ending.join(lines))

    result = CliRunner().invoke(main, ["import", str(path), "--db", str(db)])

    after = CliRunner().invoke(main, ["export", "--db", str(db)]).output
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert after == before
    else:
        stored = int(result.output.split()[1])
        assert after.startswith(before)
        assert after.count("\n") == before.count("\n") + stored
