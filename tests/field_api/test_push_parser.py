"""The push's body reader (field_api/apis/sync.py ``PushJSONParser``): orjson where it reads a body as
the standard library does, the standard library (non-strict, integers bounded) everywhere else. Every
body must mean exactly what the standard library alone made of it."""

import io
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError

from field_api.apis.sync import PushJSONParser, _bounded_int
from tests.field_api.test_sync_fuzz import ANY_JSON


def _read(body: bytes):
    return PushJSONParser().parse(io.BytesIO(body), "application/json", {})


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _as_ever(body: bytes):
    return json.loads(body.decode(), parse_int=_bounded_int)


REFUSED = "refused"


def _outcome(read, body: bytes):
    """What a reader makes of the body, or ``REFUSED`` (the push answers 400)."""
    try:
        return read(body)
    except (ParseError, ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return REFUSED


@settings(max_examples=300, deadline=None)
@given(value=ANY_JSON, ascii_only=st.booleans())
def test_any_body_reads_as_the_standard_library_reads_it(value, ascii_only):
    # Lone surrogates included (tests/field_api/test_sync_fuzz.py): sent unescaped they make the body
    # invalid UTF-8, which both readers refuse.
    body = json.dumps({"visits": [value]}, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    assert _same(_outcome(_read, body), _outcome(_as_ever, body))


@pytest.mark.parametrize(
    "body",
    [
        b'{"visits": [{"people": 123456789012345678901234567890}]}',  # past 64 bits: an int, not a float
        b'{"visits": [{"lat": NaN, "lon": Infinity, "accuracy_m": -Infinity}]}',
        b'{"visits": [{"notes": "\\ud800 alone"}]}',  # a lone surrogate
        b'{"visits": [{"people": 1e400}]}',
        b'{"visits": [], "visits": [{"id": "twice"}]}',  # the last copy of a key wins, as ever
        '{"visits": [{"notes": "Cẩm Thành"}]}'.encode(),
    ],
)
def test_bodies_orjson_reads_otherwise_or_refuses_mean_what_they_always_meant(body):
    assert _same(_read(body), _as_ever(body))


def test_a_body_in_another_declared_encoding_is_read_in_it():
    body = '{"visits": [{"notes": "Cẩm Thành"}]}'.encode("utf-16")
    read = PushJSONParser().parse(io.BytesIO(body), "application/json", {"encoding": "utf-16"})
    assert read == {"visits": [{"notes": "Cẩm Thành"}]}


@pytest.mark.parametrize("body", [b'{"visits": [', b"\xff\xfe", b"[" * 5000 + b"]" * 5000])
def test_what_no_reader_can_read_is_a_parse_error(body):
    with pytest.raises(ParseError):
        _read(body)
