"""Untrusted text: nothing that can steer a terminal survives, and the rep's notes round-trip through HTML."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from leadboard.note_html import html_to_text, note_to_html
from leadboard.text import clean_untrusted

DANGEROUS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

HOSTILE_PIECES = [
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",  # OSC 52: write the clipboard
    "\x1b]8;;https://evil.example\x1b\\click me\x1b]8;;\x1b\\",  # OSC 8 disguised link
    "\x1b[6n",  # ask the terminal to answer on stdin
    "\x1bc",  # full reset
    "\x1b[2J\x1b[H",  # clear and home: forge output
    "\x9b31m",  # 8-bit CSI
    "\x9d0;title\x9c",  # 8-bit OSC
    "\x1bP+q\x1b\\",  # DCS
    "\u202egnp.exe",  # right-to-left override
    "\u2066isolate\u2069",
    "[@click=app.quit]x[/]",
    "[bold red]",
    "<script>alert(1)</script>",
    "\x00\x07\x08\x7f",
    "😀 中文 ｗｉｄｅ",
]

hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=20)),
    max_size=12,
).map("".join)


def test_escape_sequences_are_removed_whole_not_just_their_escape_byte() -> None:
    assert clean_untrusted("a\x1b[31mred\x1b[0m b") == "ared b"
    assert clean_untrusted("x\x1b]52;c;aGk=\x07y") == "xy"
    assert clean_untrusted("\x1b]8;;https://e.x\x1b\\link\x1b]8;;\x1b\\") == "link"
    assert clean_untrusted("a\x1bcb") == "ab"
    assert clean_untrusted("cut \x1b]52;c;never-terminated") == "cut "


def test_controls_and_bidi_go_but_newlines_tabs_emoji_and_wide_chars_stay() -> None:
    assert clean_untrusted("a\tb\nc\x00\x07\x7f\x85\u202ed\u2066e\u2069") == "a\tb\ncde"
    assert clean_untrusted("😀 中文 é") == "😀 中文 é"
    assert clean_untrusted("one\r\ntwo\rthree\u2028four") == "one\ntwo\nthree\nfour"


def test_markup_brackets_are_left_alone_for_the_ui_to_show_literally() -> None:
    assert clean_untrusted("[@click=app.quit]hi[/]") == "[@click=app.quit]hi[/]"


@given(hostile_text)
@settings(max_examples=300, deadline=None)
def test_no_control_escape_or_bidi_character_survives_cleaning(text: str) -> None:
    cleaned = clean_untrusted(text)
    assert not DANGEROUS.search(cleaned)
    assert clean_untrusted(cleaned) == cleaned


@given(hostile_text)
@settings(max_examples=300, deadline=None)
def test_no_control_escape_or_bidi_character_survives_html_to_text(body: str) -> None:
    # HubSpot bodies can hide controls in entities as well as raw.
    encoded = body.replace("\x1b", "&#27;").replace("\u202e", "&#x202E;")
    for html_body in (body, encoded, f"<p>{encoded}</p>"):
        assert not DANGEROUS.search(html_to_text(html_body))


rep_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r"), max_size=200
).map(lambda t: clean_untrusted(t).strip())


@given(rep_text)
@settings(max_examples=500, deadline=None)
def test_a_reps_note_survives_the_trip_to_hubspot_html_and_back(text: str) -> None:
    assert html_to_text(note_to_html(text)) == text


def test_note_html_is_escaped_and_structured() -> None:
    html_body = note_to_html("Spoke to <Carla> & [b]Bob[/b]\nsend quote\n\nFollow up Monday")
    assert html_body == (
        "<p>Spoke to &lt;Carla&gt; &amp; [b]Bob[/b]<br>send quote</p><p>Follow up Monday</p>"
    )


def test_hubspot_rich_text_reads_as_plain_text() -> None:
    body = (
        '<div style="" dir="auto" data-top-level="true"><p style="margin:0;">New   meeting</p>'
        "<p>Agenda:</p><ul><li>price</li><li>terms &amp; <b>dates</b></li></ul>"
        "<ol><li>first</li><li>second</li></ol>line<br>break&nbsp;&nbsp;kept</div>"
        "<style>p { color: red }</style><script>alert(1)</script>"
    )
    assert html_to_text(body) == (
        "New meeting\n\nAgenda:\n- price\n- terms & dates\n1. first\n2. second\nline\nbreak  kept"
    )


def test_plain_text_bodies_stay_readable() -> None:
    assert html_to_text("just text, no tags") == "just text, no tags"
    assert html_to_text("") == ""


def test_a_huge_body_converts() -> None:
    text = ("word " * 20_000).strip()
    assert html_to_text(note_to_html(text)) == text
