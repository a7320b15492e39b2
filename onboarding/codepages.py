"""Which code page a Shapefile's .dbf text is in, and its text decoded with it.

A .dbf carries bytes; only its .cpg (or a language byte GDAL often lacks) says how to read them. A
Shapefile made in Vietnam without its .cpg is read as Latin-1 and its names come out garbled
("Thôn Ðông HoÌa"), so such a file is read with Latin-1 (each byte one character, nothing lost) and
decoded here: strict UTF-8 first, then what the .cpg names, else the first code page in which every name
is Vietnamese (``CODEPAGES`` order: Windows-1258 before TCVN3, whose letters are read from
Windows-1258's bytes as plausible words). The person may choose another one in the preview.
"""

import unicodedata

# TCVN 5712:1993 (VN3, the "ABC" fonts .VnTime): lower-case letters with their tones, and the
# upper-case base letters (upper case with tones lived in a separate font, .VnTimeH).
_TCVN3 = (
    "a1Ă a2Â a3Ê a4Ô a5Ơ a6Ư a7Đ a8ă a9â aaê abô acơ adư aeđ "
    "b5à b6ả b7ã b8á b9ạ bbằ bcẳ bdẵ beắ c6ặ c7ầ c8ẩ c9ẫ caấ cbậ "
    "ccè ceẻ cfẽ d0é d1ẹ d2ề d3ể d4ễ d5ế d6ệ d7ì d8ỉ dcĩ ddí deị "
    "dfò e1ỏ e2õ e3ó e4ọ e5ồ e6ổ e7ỗ e8ố e9ộ eaờ ebở ecỡ edớ eeợ "
    "efù f1ủ f2ũ f3ú f4ụ f5ừ f6ử f7ữ f8ứ f9ự faỳ fbỷ fcỹ fdý feỵ"
)
TCVN3 = {int(item[:2], 16): item[2:] for item in _TCVN3.split()}

# The code pages a person may choose, in the order they are tried; labels are names of code pages.
CODEPAGES = {
    "utf-8": "UTF-8",
    "cp1258": "Windows-1258 (CP1258)",
    "tcvn3": "TCVN3 (ABC)",
    "cp1252": "Windows-1252 (Latin)",
}
_CPG_NAMES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "65001": "utf-8",
    "cp1258": "cp1258",
    "1258": "cp1258",
    "windows-1258": "cp1258",
    "ansi 1258": "cp1258",
    "tcvn3": "tcvn3",
    "tcvn": "tcvn3",
    "cp1252": "cp1252",
    "1252": "cp1252",
    "windows-1252": "cp1252",
    "ansi 1252": "cp1252",
    "latin1": "cp1252",
    "iso-8859-1": "cp1252",
    "88591": "cp1252",
}

_BASES = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
_TONE_MARKS = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
VIETNAMESE_LETTERS = frozenset(
    {unicodedata.normalize("NFC", base + tone) for base in _BASES for tone in _TONE_MARKS} | set("đĐ")
)


def decode(raw: str, codepage: str) -> str:
    """Text read as Latin-1 (one character a byte) decoded with ``codepage`` (NFC); undecodable bytes
    become U+FFFD, never an exception."""
    data = raw.encode("latin-1", errors="replace")
    if codepage == "tcvn3":
        text = "".join(TCVN3.get(byte, chr(byte)) if byte >= 0x80 else chr(byte) for byte in data)
    else:
        text = data.decode(codepage if codepage in CODEPAGES else "cp1252", errors="replace")
    return unicodedata.normalize("NFC", text)


def _vietnamese(text: str) -> bool:
    """Whether every letter beyond ASCII is a Vietnamese one, with no stray control or combining mark."""
    for char in text:
        if char < " " or (char > "~" and char not in VIETNAMESE_LETTERS):
            return False
    return True


def _strict_utf8(values: list[str]) -> bool:
    try:
        for value in values:
            value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return True


def codepage_of_cpg(text: str | None) -> str | None:
    """The code page a .cpg names, when it is one of ours."""
    if not text:
        return None
    return _CPG_NAMES.get(" ".join(text.strip().lower().split()))


def guess_codepage(values: list[str], *, cpg: str | None = None) -> str:
    """The code page of a .dbf's text (read as Latin-1): UTF-8 when it all decodes strictly, else the
    .cpg's, else the first of ``CODEPAGES`` in which every value is Vietnamese, else the one in which
    most are."""
    texts = [value for value in values if value and not value.isascii()]
    if not texts or _strict_utf8(texts):
        return "utf-8"
    named = codepage_of_cpg(cpg)
    if named and named != "utf-8":
        return named
    candidates = [name for name in CODEPAGES if name != "utf-8"]
    scores = {name: sum(_vietnamese(decode(text, name)) for text in texts) for name in candidates}
    for name in candidates:
        if scores[name] == len(texts):
            return name
    return max(candidates, key=lambda name: scores[name])
