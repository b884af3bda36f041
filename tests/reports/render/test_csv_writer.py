"""The one CSV writer: every formula start reaches a spreadsheet as text."""

import csv
import io

from walkthetalk.reports.render import csv_writer


def test_every_formula_start_reaches_the_spreadsheet_as_text() -> None:
    risky = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"]
    text = csv_writer.write_csv(["=header"], [[value, 3, -4, None] for value in risky])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["'=header"]
    assert [r[0] for r in rows[1:]] == ["'" + v for v in risky]
    # numbers stay numbers (a negative number is not text a spreadsheet would run), None is blank
    assert all(r[1:] == ["3", "-4", ""] for r in rows[1:])


def test_what_was_written_is_what_is_read_back() -> None:
    values = ["=1+1", "'=1+1", "''@x", "plain", "'quoted'", "'", "", "-", "a=b"]
    text = csv_writer.write_csv(["v"], [[v] for v in values])
    rows = list(csv.reader(io.StringIO(text)))[1:]
    # a formula behind apostrophes the writer did not add still gets one more
    assert [r[0] for r in rows] == [
        "'=1+1",
        "''=1+1",
        "'''@x",
        "plain",
        "'quoted'",
        "'",
        "",
        "'-",
        "a=b",
    ]
    assert [csv_writer.read_cell(r[0]) for r in rows] == values
