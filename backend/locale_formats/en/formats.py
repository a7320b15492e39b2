"""The English interface serves the same Vietnamese users: dates are typed day first or ISO, as in
Vietnamese (backend/locale_formats/vi/formats.py), never month first (English's 05/11 = 11 May)."""

from backend.locale_formats.vi.formats import DATE_INPUT_FORMATS, DATETIME_INPUT_FORMATS

__all__ = ["DATE_INPUT_FORMATS", "DATETIME_INPUT_FORMATS"]
