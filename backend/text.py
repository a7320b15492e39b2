"""Text as people type it, and as we keep it.

``clean_text`` is the one rule for every piece of text that reaches storage, whatever the door (a phone's
push, a browser form, the admin, a sheet): invisible characters that break files and screens are taken
out, then the text is NFC-normalised and trimmed. Control characters (C0, DEL, C1) cannot be typed on
purpose: they come from copy and paste, a scanner or a broken phone, and a single one made an XLSX
writer fail. Bidi override and isolate characters (U+202A–U+202E, U+2066–U+2069) make a name display
reversed ("Trojan Source"). Invisible format characters go too (``INVISIBLE``): "\u200b=1+1" must not
be stored looking like "=1+1", nor "Thôn\u00ad 1" differ from "Thôn 1" in search and uniqueness.
Nobody can see them to fix them, so they are removed rather than refused.
Controls are removed before normalising: a control between a letter and its combining mark would
otherwise leave the pair uncomposed. Length limits are judged on the result, which is what is stored.

``search_key`` folds Vietnamese for search: "Cam Thanh" finds "Cẩm Thành".
"""

import re
import unicodedata

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines() splits on
_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]

_NONCHARACTERS = "\ufffe\uffff"  # not characters at all; XML cannot hold them
# Every format character (Unicode category Cf, up to Unicode 15.1) and every other default-ignorable code
# point (drawn as nothing unless a script needs it): soft hyphen, zero-width space/non-joiner/joiner,
# LRM/RLM, word joiner and invisible operators, BOM, variation selectors, Hangul fillers, tags, Arabic
# number signs. Names and labels here are Vietnamese (Quốc ngữ, and the Latin orthographies minority
# names are recorded in), which needs none of them. ZWNJ/ZWJ matter in Indic and Arabic shaping, not
# here; in an emoji sequence (man, ZWJ, woman) losing ZWJ only shows the two emoji side by side, and a
# lost variation selector only the other style of the same symbol. Khmer uses U+200B to hint line
# breaks, which changes no text. tests/backend/test_text_clean.py checks this covers every Cf of the
# running Python.
INVISIBLE = (
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5"
    "\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
    "\ufff0-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + BIDI_CONTROLS + _NONCHARACTERS + INVISIBLE + "]")
# One line: every line break and tab becomes a space, every other control goes.
_SINGLE_LINE = dict.fromkeys(_CONTROLS) | {ord(ch): " " for ch in "\t" + _LINE_BREAKS}
_SINGLE_LINE |= {ord(ch): None for ch in BIDI_CONTROLS + _NONCHARACTERS}
# Several lines (a visit's notes, a guide): line breaks become "\n", tabs a space, the rest goes.
_MULTI_LINE = _SINGLE_LINE | {ord(ch): "\n" for ch in _LINE_BREAKS} | {ord("\t"): " "}


def clean_text(value: str, *, multiline: bool = False) -> str:
    """``value`` without control, bidi-override or invisible format characters, NFC, trimmed. Line
    breaks become spaces, or ``"\\n"`` when ``multiline`` (``"\\r\\n"`` is one break)."""
    if _UNSAFE.search(value) is not None:
        if multiline:
            value = value.replace("\r\n", "\n").translate(_MULTI_LINE)
        else:
            value = value.translate(_SINGLE_LINE)
        value = _INVISIBLE.sub("", value)
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    return value.strip()


def has_unsafe_characters(value: str) -> bool:
    """True when ``clean_text`` would remove or replace a character (a control, a bidi override, an
    invisible format character)."""
    return _UNSAFE.search(value) is not None


# What may come before a formula's first character and still leave it looking (or, once an importer
# trims the cell, being) a formula: spaces of any kind, the invisible characters above, and the blanks
# that are symbols rather than spaces (Braille pattern blank U+2800).
_LEADING_BLANKS = re.compile(f"[\\s\u2800{INVISIBLE}]*")


def visible_start(value: str) -> str:
    """``value`` from its first character that shows as something (the spreadsheet writer checks it for
    a formula prefix)."""
    return value[_LEADING_BLANKS.match(value).end() :]


# đ/Đ are letters of their own, not a d with a combining mark, so NFD leaves them alone.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def search_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
