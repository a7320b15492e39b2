"""The one rule for stored text (backend/text.py ``clean_text``), for any string at all, and the form
and serializer fields that apply it before their length limit."""

import sys
import unicodedata

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers

from backend.spreadsheets import FORMULA_START, safe_text
from backend.text import BIDI_CONTROLS, clean_text, has_unsafe_characters
from backend.text_fields import CleanCharField, CleanSerializerCharField

CONTROLS = "".join(map(chr, [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]))
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",))) | st.builds(
    "".join, st.lists(st.sampled_from([*CONTROLS, *BIDI_CONTROLS, "\u2028", "e\u0301", "a", " ", "\r\n"]))
)


@given(text=ANY_TEXT, multiline=st.booleans())
def test_clean_text_leaves_nothing_invisible_and_is_stable(text, multiline):
    cleaned = clean_text(text, multiline=multiline)
    assert not has_unsafe_characters(cleaned.replace("\n", " ") if multiline else cleaned)
    assert unicodedata.is_normalized("NFC", cleaned)
    assert cleaned == cleaned.strip()
    assert clean_text(cleaned, multiline=multiline) == cleaned
    if not multiline:
        assert "\n" not in cleaned


def test_what_is_kept_and_what_goes():
    assert clean_text(" Nguye\u0302\u0303n\x07 Va\u0306n\u202e A ") == "Nguyễn Văn A"
    assert clean_text("dòng 1\r\ndòng 2\rdòng 3\u2028x", multiline=True) == "dòng 1\ndòng 2\ndòng 3\nx"
    assert clean_text("dòng 1\ndòng\t2") == "dòng 1 dòng 2"
    # Controls go before composing: e, a control, a combining acute become one é.
    assert clean_text("e\x01\u0301") == "é"


def test_every_control_and_bidi_character_is_unsafe():
    for character in CONTROLS + BIDI_CONTROLS:
        assert has_unsafe_characters(character)
        assert clean_text(f"a{character}b") in ("ab", "a b")


def test_form_and_serializer_judge_the_length_of_what_is_stored():
    # 150 letters typed decomposed (300 code points) fit a 150 limit once composed.
    decomposed = "e\u0301" * 150
    assert CleanCharField(max_length=150).clean(decomposed) == "é" * 150
    serializer_field = CleanSerializerCharField(max_length=150)
    assert serializer_field.run_validation(decomposed) == "é" * 150
    # U+0958 composes to nothing and decomposes under NFC (a composition exclusion): 100 become 200.
    grows = "\u0958" * 100
    assert len(clean_text(grows)) == 200
    with pytest.raises(forms.ValidationError, match="150"):
        CleanCharField(max_length=150).clean(grows)
    with pytest.raises(serializers.ValidationError, match="150"):
        CleanSerializerCharField(max_length=150).run_validation(grows)


def test_invisible_only_text_is_blank():
    with pytest.raises(serializers.ValidationError) as refused:
        CleanSerializerCharField().run_validation("\x07\u202e")
    assert refused.value.detail[0].code == "blank"
    with pytest.raises(forms.ValidationError):
        CleanCharField().clean("\x07\u202e")


# Every format character (category Cf) of the running Python's Unicode, found by asking it.
FORMAT_CHARACTERS = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
# Invisible or blank-looking characters that are not Cf (default-ignorable code points).
OTHER_INVISIBLE = [
    "\u034f",
    "\u115f",
    "\u1160",
    "\u17b4",
    "\u180b",
    "\u3164",
    "\ufe0f",
    "\uffa0",
    "\U000e0100",
]


def test_every_invisible_format_character_goes():
    for character in FORMAT_CHARACTERS + OTHER_INVISIBLE:
        assert has_unsafe_characters(character), f"U+{ord(character):04X}"
        assert clean_text(f"{character}=1+1") == "=1+1", f"U+{ord(character):04X}"
        assert clean_text(f"Thôn{character} 1", multiline=True) == "Thôn 1", f"U+{ord(character):04X}"
    assert clean_text("\ufeff\u200b\u2060Nhà bà\u00ad Lan\u200d") == "Nhà bà Lan"


@given(
    text=st.builds(
        "".join, st.lists(st.sampled_from([*FORMAT_CHARACTERS, *OTHER_INVISIBLE, "a", "ễ", " ", "=", "\n"]))
    ),
    multiline=st.booleans(),
)
def test_no_invisible_character_survives(text, multiline):
    cleaned = clean_text(text, multiline=multiline)
    assert not any(ch in cleaned for ch in FORMAT_CHARACTERS + OTHER_INVISIBLE)
    assert clean_text(cleaned, multiline=multiline) == cleaned


@given(
    blanks=st.text(
        st.sampled_from([*FORMAT_CHARACTERS, *OTHER_INVISIBLE, " ", "\u00a0", "\u3000", "\u2800"])
    ),
    start=st.sampled_from([s for s in FORMULA_START if not s.isspace()]),  # tab, CR: cleaned to spaces
    rest=st.text(max_size=5),
)
def test_the_spreadsheet_writer_neutralises_a_formula_behind_blanks(blanks, start, rest):
    written = safe_text(blanks + start + "1+1" + rest)
    assert written.startswith("'"), repr(written)
