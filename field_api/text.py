"""Vietnamese text folding for search: "Cam Thanh" finds "Cẩm Thành", "dac khu ly son" finds "Đặc khu Lý Sơn"."""

import unicodedata

# đ/Đ are letters of their own, not a d with a combining mark, so NFD leaves them alone.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def search_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
