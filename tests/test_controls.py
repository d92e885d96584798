"""The small pieces every page uses: bounded JSON reading."""

from __future__ import annotations

import pytest

from widgets.controls import JsonFileError, read_json, size_text


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b" " * 20_001, "size"),
        (b"[" * 5000 + b"]" * 5000, "depth"),  # past the decoder's own recursion limit
        (b"[" * 50 + b"]" * 50, "depth"),  # within it, but deeper than the file may be
        (b'{"a": {"b": {"c": {"d": {}}}}}', "depth"),
        (b"{not json", "syntax"),
        (b"\xff\xfe", "syntax"),
    ],
)
def test_json_outside_its_bounds_is_refused_with_a_reason(data, reason):
    with pytest.raises(JsonFileError) as info:
        read_json(data, max_bytes=20_000, max_depth=4)
    assert info.value.reason == reason
    assert str(info.value).endswith(".")


def test_json_within_its_bounds_is_read_and_brackets_in_text_do_not_count():
    text = '{"a": {"b": ["[[[[[[[[[[ {{{{{{{{ "]}}'
    assert read_json(text, max_bytes=100, max_depth=3) == {"a": {"b": ["[[[[[[[[[[ {{{{{{{{ "]}}


def test_sizes_are_said_as_people_say_them():
    assert size_text(8 * 1024 * 1024) == "8 MB"
    assert size_text(16 * 1024) == "16 KB"
