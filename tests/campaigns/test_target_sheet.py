"""The targets sheet (campaigns/sheets.py) reads what every sheet reader reads (backend/sheets.py: any
encoding offices save) and names communes by the one rule (core/services/area_names.py): the same tricky
names give the same commune through a campaign's targets and through onboarding's sheets."""

import codecs
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.sheets import SheetRow
from campaigns.sheets import SheetError, SheetTarget, TargetRow, _target_row, targets_from_sheet
from core.models import Commune
from core.scope import Scope
from core.services.area_names import AreaNames
from onboarding.services import villages_check
from onboarding.sheets import Sheet
from tests import factories

TARGETS = "Tên xã (ghi rõ);Số hộ;Số người\nPhường Cẩm Thành A;1.200;300\nnghia lo a;40;\n"


def _windows_1258(text: str) -> bytes:
    letters = []
    for letter in text:
        decomposed = unicodedata.normalize("NFD", letter)
        tones = "".join(ch for ch in decomposed if ch in "\u0300\u0301\u0303\u0309\u0323")
        base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in tones))
        letters.append(base + tones)
    return "".join(letters).encode("cp1258")


def _upload(data: bytes, name: str = "chi-tieu.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def _communes() -> list[Commune]:
    return list(Commune.objects.filter(province_id="51"))


@pytest.mark.parametrize(
    "data",
    [
        TARGETS.encode(),
        TARGETS.encode("utf-8-sig"),
        TARGETS.encode("utf-16"),
        codecs.BOM_UTF16_BE + TARGETS.encode("utf-16-be"),
        _windows_1258(TARGETS),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "utf-16-be", "cp1258"],
)
def test_a_targets_sheet_reads_every_encoding_onboarding_reads(world, data):
    assert targets_from_sheet(upload=_upload(data), communes=_communes()) == [
        SheetTarget(commune="51001", households=1200, people=300),
        SheetTarget(commune="51002", households=40, people=0),
    ]


def test_each_row_is_checked_on_its_own_into_a_typed_row(world):
    names = AreaNames(_communes())
    columns = {"name": 0, "households": 1, "people": 2}
    good = _target_row(row=SheetRow(7, ["Cẩm Thành A", "5", "6"]), columns=columns, names=names)
    assert good == TargetRow(line=7, target=SheetTarget(commune="51001", households=5, people=6))
    bad = _target_row(row=SheetRow(8, ["Cẩm Thành A", "-5"]), columns=columns, names=names)
    assert bad.target is None and bad.problem.startswith("Dòng 8: số hộ")


def test_every_problem_is_named_by_row_and_nothing_is_taken(world):
    data = "Mã xã,Số hộ\n51001,10\n51001,20\n99999,1\nCẩm Thanh A,3\n51002,abc\n".encode()
    with pytest.raises(SheetError) as refused:
        targets_from_sheet(upload=_upload(data), communes=_communes())
    assert refused.value.messages == [
        "Dòng 3: xã 51001 đã có ở dòng 2.",
        "Dòng 4: không tìm thấy xã “99999” trong tỉnh.",
        "Dòng 5: không tìm thấy xã “Cẩm Thanh A” trong tỉnh. Có phải: Phường Cẩm Thành A (51001)?",
        "Dòng 6: số hộ và số người phải là số nguyên không âm.",
    ]


# --- one rule for every sheet naming communes --------------------------------------------------------------

TRICKY = {
    "Sơn Hà": "51010",
    "Sơn Hạ": "51011",
    "son ha": "ambiguous",  # no marks: both fold to it
    "Xã Sơn Hạ": "51011",
    "Hoà Bình": "51012",  # the tone mark on the other vowel
    "Đặc khu Hoà Bình": "51012",
    "hoa binh": "51012",
    "Thị trấn Thụy Sơn": "51013",
    "THUỴ  SƠN": "51013",
    "Phường Cẩm Thành A": "51001",
    "Xã Cẩm Thành A": "51001",  # another unit word
    "cam thanh a": "51001",
    "Cẩm Thanh A": "missing",  # other marks: another name, not a typo to guess
    "Sơn Hả": "missing",
    "51001": "51001",
    "51099": "missing",
}


@pytest.fixture
def tricky(world):
    province = world.a.province
    for code, name, full_name in [
        ("51010", "Sơn Hà", "Xã Sơn Hà"),
        ("51011", "Sơn Hạ", "Xã Sơn Hạ"),
        ("51012", "Hòa Bình", "Đặc khu Hòa Bình"),
        ("51013", "Thụy Sơn", "Xã Thụy Sơn"),
    ]:
        factories.CommuneFactory(code=code, province=province, name=name, full_name=full_name)


def _through_targets(name: str) -> str:
    data = f"Tên xã,Số hộ\n{name},10\n".encode()
    try:
        [target] = targets_from_sheet(upload=_upload(data), communes=_communes())
    except SheetError as error:
        [message] = error.messages
        return "ambiguous" if "có nhiều xã" in message else "missing"
    return target.commune


def _through_onboarding(names: list[str]) -> list[str]:
    sheet = Sheet(
        headers=["Xã", "Tên thôn"],
        rows=[(number, [name, f"Thôn Mới {number}"]) for number, name in enumerate(names, start=2)],
    )
    preview = villages_check(sheet=sheet, scope=Scope.province_officer(province="51"))
    by_full_name = dict(Commune.objects.values_list("full_name", "code"))
    outcomes = []
    for row in preview.rows:
        problem = row.errors.get("commune", "")
        if not problem:
            outcomes.append(by_full_name[row.values["commune"]])
        else:
            outcomes.append("ambiguous" if "trùng nhiều xã" in problem else "missing")
    return outcomes


def test_the_same_tricky_names_mean_the_same_commune_in_targets_and_in_onboarding(tricky):
    names = list(TRICKY)
    expected = list(TRICKY.values())
    assert [_through_targets(name) for name in names] == expected
    assert _through_onboarding(names) == expected


def test_both_say_which_commune_a_name_with_other_marks_was_near(tricky):
    sheet = Sheet(headers=["Xã", "Tên thôn"], rows=[(2, ["Sơn Hả", "Thôn 1"])])
    [row] = villages_check(sheet=sheet, scope=Scope.province_officer(province="51")).rows
    with pytest.raises(SheetError) as refused:
        targets_from_sheet(upload=_upload("Tên xã,Số hộ\nSơn Hả,1\n".encode()), communes=_communes())
    for message in (row.errors["commune"], refused.value.messages[0]):
        assert "Có phải: Xã Sơn Hà (51010), Xã Sơn Hạ (51011)?" in message
