import pytest

from backend.text import search_key


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Cẩm Thành", "cam thanh"),
        ("Đặc khu Lý Sơn", "dac khu ly son"),
        ("  NGHĨA   Lộ ", "nghia lo"),
        ("Phường Trương Quang Trọng", "phuong truong quang trong"),
    ],
)
def test_search_key_folds_vietnamese(text, folded):
    assert search_key(text) == folded
