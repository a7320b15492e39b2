"""The one request body format of the API: JSON (API.md). Forms and multipart are not parsed at all.

DRF's JSON parser turns syntax errors into a 400 but lets ``RecursionError`` through (a 500) for deeply
nested input, and accepts any depth below that. No request of ours nests deeper than a handful of
levels, so anything beyond ``MAX_DEPTH`` is refused as a whole with a 400 before any code walks it.
"""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 64


def _depth_exceeds(data, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = _depth_exceeds(data, MAX_DEPTH)
        if too_deep:
            raise ParseError(_("JSON lồng nhau quá sâu (tối đa %(depth)d cấp).") % {"depth": MAX_DEPTH})
        return data
