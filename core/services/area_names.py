"""Which area a cell of a sheet means: the one rule every sheet that names communes (or provinces) uses.

A sheet names a commune by its code ("21025", or "6978" once a spreadsheet dropped the leading zero) or
by its name. A name is an *identity*: "Sơn Hà" and "Sơn Hạ" are two communes, so names are compared
with their tone marks, ignoring only what does not tell communes apart:

- case and runs of spaces ("PHƯỜNG  cẩm thành");
- the unit word, present or absent, whichever it is ("Cẩm Thành", "Phường Cẩm Thành" and
  "Xã Cẩm Thành" all mean the ward Cẩm Thành: units changed kind in the 2025 reform and sheets lag);
- where the tone mark sits on "oa", "oe", "uy" ("Hoà" and "Hòa", "Thuỵ" and "Thụy": both spellings
  are in official lists).

A name written with no diacritics at all ("cam thanh": typed without a Vietnamese keyboard) has no
marks to compare; it is taken when it folds to exactly one area, and is ambiguous otherwise. A name
written with marks that match no area is not taken for one that differs only in its marks: the match
says which areas were near (``AreaMatch.similar``) so the person can be asked. Folding diacritics away
(``backend.text.search_key``) is for *finding* areas in a search box, never for deciding which one a
row means.
"""

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from backend.text import clean_text, search_key
from core.services.imports import pad_code

COMMUNE_UNITS = ("xã", "phường", "thị trấn", "đặc khu")
PROVINCE_UNITS = ("tỉnh", "thành phố", "tp.", "tp")
# Grave, acute, tilde, hook above, dot below: the five tones (vowel marks such as ^ and the horn stay).
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


class NamedArea(Protocol):
    code: str
    name: str
    full_name: str


A = TypeVar("A", bound=NamedArea)


def name_key(text: str) -> str:
    """A name as compared for identity: NFC, lower case, single spaces, each word's tone mark put
    after the word so that where it was typed does not matter ("Hoà" and "Hòa" give one key)."""
    words = []
    for word in clean_text(text).lower().split():
        decomposed = unicodedata.normalize("NFD", word)
        tones = "".join(ch for ch in decomposed if ch in _TONES)
        base = "".join(ch for ch in decomposed if ch not in _TONES)
        words.append(unicodedata.normalize("NFC", base) + tones)
    return " ".join(words)


def is_unmarked(text: str) -> bool:
    """Whether a name is written without any diacritic (nor đ), so that it carries no marks to compare."""
    return search_key(text) == " ".join(clean_text(text).lower().split())


def _without_unit(key: str, units: tuple[str, ...]) -> str | None:
    for unit in units:
        if key.startswith(unit + " ") and len(key) > len(unit) + 1:
            return key[len(unit) + 1 :]
    return None


@dataclass(frozen=True)
class AreaMatch(Generic[A]):
    """What a cell means: ``area`` when it names exactly one; else ``candidates`` when it could be
    several, or ``similar`` (the same name with other marks) when it names none."""

    text: str
    area: A | None = None
    by_code: bool = False
    candidates: tuple[A, ...] = ()
    similar: tuple[A, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


class AreaNames(Generic[A]):
    """Areas (communes, or provinces with ``units=PROVINCE_UNITS, code_width=2``) indexed once, then any
    number of cells matched against them (``match``)."""

    def __init__(self, areas: Iterable[A], *, units: tuple[str, ...] = COMMUNE_UNITS, code_width: int = 5):
        self.code_width = code_width
        self._units = tuple(name_key(unit) for unit in units)
        self._folded_units = tuple(search_key(unit) for unit in units)
        self.by_code: dict[str, A] = {}
        self._by_key: dict[str, list[A]] = defaultdict(list)
        self._by_folded: dict[str, list[A]] = defaultdict(list)
        for area in areas:
            self.by_code[area.code] = area
            for label in {area.name, area.full_name} - {""}:
                self._add(self._by_key, name_key(label), area, self._units)
                self._add(self._by_folded, search_key(label), area, self._folded_units)

    @staticmethod
    def _add(index: dict[str, list[A]], key: str, area: A, units: tuple[str, ...]) -> None:
        for form in (key, _without_unit(key, units)):
            if form and area not in index[form]:
                index[form].append(area)

    @staticmethod
    def _lookup(index: dict[str, list[A]], key: str, units: tuple[str, ...]) -> list[A]:
        """The areas the name means as written, else the areas it means without its unit word."""
        found = index.get(key, [])
        if not found:
            bare = _without_unit(key, units)
            found = index.get(bare, []) if bare else []
        return found

    def match(self, text: str, *, where: Callable[[A], bool] | None = None) -> AreaMatch[A]:
        """The area ``text`` names: by code, or by name (the module's rule) among the areas ``where``
        keeps (all by default; a code is unambiguous and names its area wherever it is)."""
        text = " ".join(clean_text(text).split())
        code = pad_code(text, self.code_width)
        if code.isdigit():
            return AreaMatch(text=code, area=self.by_code.get(code), by_code=True)

        def kept(areas: Iterable[A]) -> tuple[A, ...]:
            return tuple(area for area in areas if where is None or where(area))

        found = kept(self._lookup(self._by_key, name_key(text), self._units))
        folded = kept(self._lookup(self._by_folded, search_key(text), self._folded_units))
        if not found and is_unmarked(text):
            found = folded
        if len(found) == 1:
            return AreaMatch(text=text, area=found[0], candidates=found)
        return AreaMatch(text=text, candidates=found, similar=() if found else folded)
