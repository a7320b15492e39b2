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

Villages (``VillageNames``) follow the same rule within their commune, with one difference: a village's
unit word tells villages apart ("Thôn 1" and "Tổ dân phố 1" are two villages of one ward), so a name
splits into its unit word (``VILLAGE_UNITS``; "TDP" is written for "Tổ dân phố") and the rest, and:

- a name written as a stored name (unit word and rest, by ``name_key``) means that village;
- else the unit word is optional on one side only: a name without a unit word means the villages whose
  rest it is, whatever their unit ("Phú Lộc" → "Thôn Phú Lộc"), and a name with a unit word means the
  villages stored without one ("Thôn Phú Lộc" → "Phú Lộc"); two different unit words never match
  ("Tổ dân phố 1" is not "Thôn 1", whether or not a "Tổ dân phố 1" exists). Several villages so
  found make the name ambiguous, never a pick;
- a name with no diacritics goes through the same two steps folded, taken when it finds exactly one.

Two names are one village (a duplicate in a sheet, or a village added twice) exactly when one matches
the other by this rule.

Communes are also named by their names *before* the 1 July 2025 reform ("Xã Nghĩa Hà", now part of
"Phường An Phú"): sheets are kept for years. A name that matches no 2025 commune (among those ``where``
keeps) is looked up among the pre-2025 units (``fixtures/vn_communes_before_2025.csv.gz``, by the same
rule: tone marks, optional unit word, "huyện" among the unit words, unmarked names folded), optionally
with its old district in parentheses or after a comma ("Xã Tân Dân (huyện Phú Xuyên)"):

- a 2025 name always wins, even when it is also an old name elsewhere;
- an old unit that went whole into exactly one 2025 commune means that commune, and the match keeps
  the old name (``AreaMatch.former``) so the preview shows "Xã Nghĩa Hà (trước 2025) → Xã An Phú";
- an old unit split among several communes ("phần còn lại", "một phần"), or an old name used in several
  old districts that went to different communes, is ambiguous: the communes are listed, never picked.
  Which communes count is decided over the whole province, in scope or not (a commune leader's sheet
  naming a split unit is ambiguous even when only one of its parts is in their commune).
"""

import csv
import functools
import gzip
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from django.utils.translation import gettext as _

from backend.text import clean_text, search_key
from core.services.imports import pad_code

COMMUNE_UNITS = ("xã", "phường", "thị trấn", "đặc khu")
# Longest first, so that "Tổ dân phố 1" is read as "Tổ dân phố" + "1", not "Tổ" + "dân phố 1".
VILLAGE_UNITS = ("tổ dân phố", "khu phố", "thôn", "tổ", "ấp", "bản", "làng", "buôn", "xóm", "khóm", "khu")
VILLAGE_UNIT_SHORT = {"tdp": "tổ dân phố"}
PROVINCE_UNITS = ("tỉnh", "thành phố", "tp.", "tp")
# Units before the 2025 reform: the special zones were districts ("Huyện Lý Sơn" → "Đặc khu Lý Sơn").
FORMER_UNITS = (*COMMUNE_UNITS, "huyện")
FORMER_NAMES_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "vn_communes_before_2025.csv.gz"
# "Xã Tân Dân (huyện Phú Xuyên)", "Xã Tân Dân, huyện Phú Xuyên", "Phường 15 - Quận 10", "… (TP. Quảng Ngãi)",
# also typed without marks ("tan dan, huyen phu xuyen").
_DISTRICT = re.compile(
    r"^(?P<name>.+?)\s*(?:\(\s*|,\s*|\s-\s*)(?:thuộc\s+|thuoc\s+)?"
    r"(?P<district>(?:huyện|huyen|quận|quan|thị xã|thi xa|thành phố|thanh pho|tp\.?)\s+[^()]+?)\s*\)?$",
    re.IGNORECASE,
)
# No pre-2025 unit's name with its district comes near this (the longest is under 80 characters).
MAX_FORMER_CHARS = 200
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
    # Found by a pre-2025 name: that name as listed ("Xã Nghĩa Hà"), and whether the old unit went to
    # several 2025 communes (then ``area`` is None, ``candidates`` those of them in the areas indexed).
    former: str = ""
    former_split: bool = False

    @property
    def ambiguous(self) -> bool:
        return self.area is None and (len(self.candidates) > 1 or self.former_split)


def area_shown(match: AreaMatch) -> str:
    """The area a match found, as a preview shows it: its full name, after the old name when the cell
    named it by its pre-2025 name ("Xã Nghĩa Hà (trước 2025) → Xã An Phú")."""
    if match.area is None:
        return ""
    if not match.former:
        return match.area.full_name
    return _("%(former)s (trước 2025) → %(commune)s") % {
        "former": match.former,
        "commune": match.area.full_name,
    }


@dataclass(frozen=True)
class FormerUnit:
    """A commune, ward or town before the 2025 reform, as one 2025 commune's merger list names it."""

    code: str  # the 2025 commune it (or a part of it, when ``partial``) went into
    commune: str  # that commune's full name
    province: str
    name: str  # "Xã Nghĩa Hà", "Phổ Hòa" (a few are listed without a unit word)
    district: str  # "huyện Tư Nghĩa", "Quận 10", or "" when the list does not say
    partial: bool


def _district_key(text: str) -> str:
    key = name_key(text)
    for short in ("tp. ", "tp "):
        if key.startswith(short):
            return "thành phố " + key[len(short) :].strip()
    return key


@dataclass(frozen=True)
class CurrentCommune:
    """A 2025 commune as the pre-2025 names file lists it (every commune is there)."""

    code: str
    name: str
    full_name: str
    province: str


class FormerNames:
    """The pre-2025 units of the whole country, indexed by name under the module's rule, and the 2025
    communes they went into (``current``: so that a 2025 name wins even over a commune out of scope)."""

    def __init__(self, units: Iterable[FormerUnit]):
        units = tuple(units)
        communes = {
            unit.code: CurrentCommune(unit.code, unit.commune, unit.commune, unit.province) for unit in units
        }
        self.current: AreaNames[CurrentCommune] = AreaNames(communes.values(), former=False)
        self._units = tuple(name_key(unit) for unit in FORMER_UNITS)
        self._folded_units = tuple(search_key(unit) for unit in FORMER_UNITS)
        self._by_key: dict[str, list[FormerUnit]] = defaultdict(list)
        self._by_folded: dict[str, list[FormerUnit]] = defaultdict(list)
        for unit in units:
            AreaNames._add(self._by_key, name_key(unit.name), unit, self._units)
            AreaNames._add(self._by_folded, search_key(unit.name), unit, self._folded_units)

    def find(self, text: str) -> list[FormerUnit]:
        """The old units ``text`` names (in the district it gives, when it gives one). Read as stored
        text (NFC, single spaces) so that a decomposed cell splits at its district as a composed one
        does; a cell longer than any unit's name with its district names none (and a sheet's 32,767
        characters never reach the district pattern, whose cost grows with the cell)."""
        text = " ".join(clean_text(text).split())
        if len(text) > MAX_FORMER_CHARS:
            return []
        name, district = text, ""
        if written := _DISTRICT.match(text):
            name, district = written["name"], written["district"]
        found = AreaNames._lookup(self._by_key, name_key(name), self._units)
        if not found and is_unmarked(name):
            found = AreaNames._lookup(self._by_folded, search_key(name), self._folded_units)
        if district:
            keyed = search_key if is_unmarked(district) else name_key
            key = keyed(_district_key(district))
            found = [unit for unit in found if keyed(_district_key(unit.district)) == key]
        return found


def read_former_units(path: Path) -> list[FormerUnit]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as rows:
        return [
            FormerUnit(
                code=row["code"],
                commune=row["commune"],
                province=row["province"],
                name=row["name"],
                district=row["district"],
                partial=row["partial"] == "1",
            )
            for row in csv.DictReader(rows)
        ]


@functools.cache
def former_names() -> FormerNames:
    """The committed pre-2025 names (read once per process)."""
    return FormerNames(read_former_units(FORMER_NAMES_FILE))


class AreaNames(Generic[A]):
    """Areas (communes, or provinces with ``units=PROVINCE_UNITS, code_width=2``) indexed once, then any
    number of cells matched against them (``match``)."""

    def __init__(
        self,
        areas: Iterable[A],
        *,
        units: tuple[str, ...] = COMMUNE_UNITS,
        code_width: int = 5,
        former: "FormerNames | bool" = True,
    ):
        """``former``: the pre-2025 names communes are also known by (``former_names()`` when True, read
        the first time a cell matches no 2025 commune; none when False; only for communes)."""
        self.code_width = code_width
        self._former = former if units == COMMUNE_UNITS else False
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
        if not found and self._former is not False:
            if self._former is True:
                self._former = former_names()
            if old := self._former_match(self._former, text, where):
                return old
        if len(found) == 1:
            return AreaMatch(text=text, area=found[0], candidates=found)
        return AreaMatch(text=text, candidates=found, similar=() if found else folded)

    def _former_match(
        self, former: FormerNames, text: str, where: Callable[[A], bool] | None
    ) -> AreaMatch[A] | None:
        """The 2025 commune a pre-2025 name means, or the communes it is split among; None when it
        names no old unit of a province whose communes are indexed (and kept by ``where``)."""
        units = former.find(text)

        def kept(code: str) -> bool:
            area = self.by_code.get(code)
            return area is not None and (where is None or where(area))

        provinces = {unit.province for unit in units if kept(unit.code)}
        units = [unit for unit in units if unit.province in provinces]
        if not units or any(c.province in provinces for c in former.current.match(text).candidates):
            return None  # no old unit here, or the 2025 name of a commune of the province (in scope or not)
        codes = list(dict.fromkeys(unit.code for unit in units))
        candidates = tuple(self.by_code[code] for code in codes if kept(code))
        split = len(codes) > 1 or any(unit.partial for unit in units)
        districts = {unit.district for unit in units} - {""}
        name = f"{units[0].name}, {districts.pop()}" if len(districts) == 1 else units[0].name
        if split:
            return AreaMatch(text=text, candidates=candidates, former=name, former_split=True)
        return AreaMatch(text=text, area=candidates[0], candidates=candidates, former=name)


class NamedVillage(Protocol):
    code: str
    name: str


V = TypeVar("V", bound=NamedVillage)


@dataclass(frozen=True)
class VillageKey:
    """A village name split into its unit word ("" when it has none) and the rest."""

    unit: str
    rest: str


def _split(key: str, units: dict[str, str]) -> VillageKey:
    for written, unit in units.items():
        if key.startswith(written + " ") and len(key) > len(written) + 1:
            return VillageKey(unit=unit, rest=key[len(written) + 1 :])
    return VillageKey(unit="", rest=key)


def _unit_index(keyed: Callable[[str], str]) -> dict[str, str]:
    units = {keyed(unit): keyed(unit) for unit in VILLAGE_UNITS}
    units.update({keyed(short): keyed(unit) for short, unit in VILLAGE_UNIT_SHORT.items()})
    return dict(sorted(units.items(), key=lambda item: -len(item[0])))


_MARKED_UNITS = _unit_index(name_key)
_FOLDED_UNITS = _unit_index(search_key)


def village_key(name: str) -> VillageKey:
    """A village name as compared for identity (``name_key``), split at its unit word."""
    return _split(name_key(name), _MARKED_UNITS)


class _VillageIndex(Generic[V]):
    """Villages by their whole key and by the rest of their name, under one way of keying names."""

    def __init__(self, keyed: Callable[[str], str], units: dict[str, str]):
        self.keyed, self.units = keyed, units
        self.whole: dict[VillageKey, list[V]] = defaultdict(list)
        self.rest: dict[str, list[V]] = defaultdict(list)

    def add(self, village: V) -> None:
        key = _split(self.keyed(village.name), self.units)
        self.whole[key].append(village)
        self.rest[key.rest].append(village)

    def find(self, text: str) -> tuple[V, ...]:
        key = _split(self.keyed(text), self.units)
        if key in self.whole:
            return tuple(self.whole[key])
        found = self.rest.get(key.rest, [])
        if key.unit:  # a unit word given matches only villages stored without one
            found = [v for v in found if not _split(self.keyed(v.name), self.units).unit]
        return tuple(found)


class VillageNames(Generic[V]):
    """The villages of one commune indexed once (more may be ``add``-ed, as a sheet plans them), then
    cells matched against them by code ("21025-03" or "03") or by name (the module's rule)."""

    def __init__(self, villages: Iterable[V], *, commune: str):
        self.commune = commune
        self.by_code: dict[str, V] = {}
        self._marked: _VillageIndex[V] = _VillageIndex(name_key, _MARKED_UNITS)
        self._folded: _VillageIndex[V] = _VillageIndex(search_key, _FOLDED_UNITS)
        for village in villages:
            self.add(village)

    def add(self, village: V) -> None:
        self.by_code[village.code] = village
        self._marked.add(village)
        self._folded.add(village)

    def _by_code(self, text: str) -> V | None:
        # Not "3" for "03": a cell "1" is as likely the name of "Thôn 1" as a code that lost its zero.
        return self.by_code.get(text) or self.by_code.get(f"{self.commune}-{text}")

    def match(self, text: str, *, codes: bool = True) -> AreaMatch[V]:
        """The village ``text`` names: by code (when ``codes``) or by name."""
        text = " ".join(clean_text(text).split())
        if codes:
            village = self._by_code(text)
            if village is not None or _code_like(text):
                return AreaMatch(text=text, area=village, by_code=True)
        found = self._marked.find(text) if text else ()
        folded = self._folded.find(text) if text else ()
        if not found and is_unmarked(text):
            found = folded
        if len(found) == 1:
            return AreaMatch(text=text, area=found[0], candidates=found)
        return AreaMatch(text=text, candidates=found, similar=() if found else folded)


def _code_like(text: str) -> bool:
    """A cell written as a full village code ("21025-03") is a code, found or not."""
    head, dash, tail = text.partition("-")
    return bool(dash) and head.isascii() and head.isdigit() and len(head) == 5 and tail.isalnum()
