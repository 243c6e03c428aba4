"""SourceText: Python's line breaks and byte/character columns."""

import gopy
from gopy.compiler._source_text import SourceText


def test_lines_break_only_where_python_breaks_them():
    src = SourceText("x = 1\x0c# form feed\r\ny = '\u2028'\rz = 2")
    assert src.lines == ["x = 1\x0c# form feed\r\n", "y = '\u2028'\r", "z = 2"]
    assert src.line(3) == "z = 2"
    assert src.line(4) == ""


def test_byte_and_char_columns_round_trip_on_non_ascii_lines():
    src = SourceText("s = 'é€' + x\n")
    assert src.byte_col(1, 11) == 14  # 'é' is 2 bytes, '€' 3
    assert src.char_col(1, 14) == 11


def test_error_after_a_unicode_line_separator_names_the_right_line():
    source = "s = '\u2028'\nasync def f():\n    ch <- \n"
    try:
        gopy.parse(source, "sep.gopy")
    except gopy.GopySyntaxError as err:
        assert err.lineno == 3
        assert err.text == "    ch <- \n"
        assert err.offset == 8
    else:
        raise AssertionError("expected a syntax error")
