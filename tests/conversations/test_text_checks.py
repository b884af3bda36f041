from walkthetalk.conversations.text_checks import check_lines, statement_problems


def test_each_pasted_line_is_checked_exactly_like_a_written_statement() -> None:
    lines = [
        "Our team meetings leave room for hard questions.",
        "",
        "Short",
        "Call me at 555-123-4567 about the intake backlog.",
        "Our team meetings leave room for hard questions.",
        "One idea. Then another. And a third one here.",
    ]
    good, bad = check_lines(lines)
    assert good == ["Our team meetings leave room for hard questions."]
    assert [p.number for p in bad] == [3, 4, 6]
    for problem in bad:
        assert list(problem.problems) == statement_problems(problem.text)
    assert bad[0].message.startswith("Line 3 (“Short”): A statement needs at least 10")
    assert "phone" in bad[1].message


def test_blank_input_has_neither_good_nor_bad_lines() -> None:
    assert check_lines(["", "   "]) == ([], [])
