"""The one bounded reader behind every upload (backend/uploads.py): whatever a workbook or an archive
declares or holds, the answer is rows within the limits or an ``UploadRejected`` naming the problem;
nothing else escapes, and memory stays bounded by the limits, not by the file.

Memory is measured, never guessed: tracemalloc's peak for each hostile file in this process, and the
peak resident size (VmHWM) of a separate Python process that reads the worst ones through the
import paths with Django loaded."""

import json
import os
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.uploads import UploadRejected, sheet_rows, zip_check, zip_chunks, zip_open
from tests import hostile_files as hostile

ROOT = Path(__file__).resolve().parents[2]
LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_rows": 20_000, "max_columns": 60}
MEMORY_LIMIT = 256 * 1024 * 1024


def _rows(data: bytes, name: str = "a.xlsx"):
    return sheet_rows(data=data, filename=name, **LIMITS)


def test_a_plain_workbook_and_csv_are_read():
    assert _rows(hostile.workbook(hostile.MEMBERS)) == [(1, hostile.MEMBERS[0]), (2, hostile.MEMBERS[1])]
    csv = "Họ và tên;SĐT\nLan;0905111222\n\n;\n".encode("utf-8-sig")
    assert _rows(csv, "a.csv") == [(1, ["Họ và tên", "SĐT"]), (2, ["Lan", "0905111222"])]


def _doctype(xml: bytes) -> bytes:
    return b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>' + xml


# Built when a test asks (a bomb is a few hundred KB here and hundreds of MB inflated).
HOSTILE_SHEETS = {
    # The file: one cell at A1, one at the grid's last cell, the whole grid declared.
    "whole-grid": (lambda: hostile.huge_range_xlsx(), "vùng dữ liệu khai báo"),
    "declared-only": (lambda: hostile.huge_range_xlsx(far=None), "vùng dữ liệu khai báo"),
    "declared-rows": (lambda: hostile.huge_range_xlsx(dimension="A1:D1048576", far=None), "quá 20000 dòng"),
    "far-cell-only": (lambda: hostile.huge_range_xlsx(dimension=None), "quá 20000 dòng"),
    "far-column": (lambda: hostile.huge_range_xlsx(dimension=None, far="XFD3"), "nhiều cột"),
    "one-row-too-many": (lambda: hostile.huge_range_xlsx(dimension=None, far="A20031"), "quá 20000 dòng"),
    "bomb": (lambda: hostile.bomb_zip(hostile.SHEET, 200 * 1024 * 1024), "giải nén quá lớn"),
    "lying-bomb": (lambda: hostile.lying_bomb_xlsx(), "CRC"),
    "doctype": (
        lambda: hostile.rewrite_member(hostile.workbook(hostile.MEMBERS), hostile.SHEET, _doctype),
        "DOCTYPE",
    ),
    **{
        name: (lambda breaker=breaker: breaker(hostile.workbook(hostile.MEMBERS), hostile.SHEET), message)
        for name, (breaker, message) in hostile.BROKEN.items()
    },
}


@pytest.mark.parametrize("name", list(HOSTILE_SHEETS))
def test_every_hostile_or_broken_workbook_is_refused_by_name_in_bounded_memory(name):
    build, message = HOSTILE_SHEETS[name]
    data = build()
    tracemalloc.start()
    try:
        with pytest.raises(UploadRejected, match=message):
            _rows(data)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, f"{name}: {peak / 1e6:.0f} MB"


def test_the_last_allowed_row_and_column_are_read():
    rows = _rows(hostile.huge_range_xlsx(dimension="A1:BH20030", far="BH20030"))
    assert rows[-1][0] == 20_030 and len(rows[-1][1]) == 60 and rows[-1][1][-1] == "x"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=st.integers(3, 2_000_000), column=st.integers(1, 20_000), declare=st.booleans())
def test_any_cell_position_is_read_or_refused_by_its_limits(row, column, declare):
    letters = ""
    number = column
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    if column > 16_384 or row > 1_048_576:
        return  # beyond Excel's grid; the reference is not a cell
    cell = f"{letters}{row}"
    data = hostile.huge_range_xlsx(dimension=f"A1:{cell}" if declare else None, far=cell)
    if row <= 20_030 and column <= 60:
        assert _rows(data)[-1] == (row, [None] * (column - 1) + ["x"])
    else:
        with pytest.raises(UploadRejected, match="dòng|cột"):
            _rows(data)


# Built once: openpyxl stamps the time into each workbook, and Hypothesis needs the same bytes each run.
WORKBOOK = hostile.workbook(hostile.MEMBERS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_damage_to_a_workbook_is_rows_or_a_named_refusal(data):
    original = bytearray(WORKBOOK)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(original) - 1))
        original[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(original) // 2, len(original)))
    try:
        rows = _rows(bytes(original[:cut]))
    except UploadRejected as error:
        assert str(error)
    else:
        assert all(len(values) <= 60 for _number, values in rows)


@pytest.mark.parametrize("name", list(hostile.BROKEN))
def test_broken_zip_members_are_named(name, tmp_path):
    breaker, message = hostile.BROKEN[name]
    data = breaker(
        hostile.zip_of({"thon.geojson": b'{"type": "FeatureCollection", "features": []}' * 50}),
        "thon.geojson",
    )
    with pytest.raises(UploadRejected, match=message):
        with zip_open(data, max_members=10, max_unzipped=1 << 20) as archive:
            for member in archive.infolist():
                b"".join(zip_chunks(archive, member, limit=1 << 20))
    path = tmp_path / "thon.zip"
    path.write_bytes(data)
    with pytest.raises(UploadRejected, match=message):
        zip_check(path, max_members=10, max_unzipped=1 << 20)


def test_an_archive_listing_more_members_than_allowed_is_refused_before_they_are_read():
    data = hostile.zip_of({f"{index}.txt": b"" for index in range(200)})
    with pytest.raises(UploadRejected, match="quá nhiều tệp"):
        zip_open(data, max_members=50, max_unzipped=1 << 20)


CHILD = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))
    import django
    django.setup()
    from types import SimpleNamespace
    from campaigns.sheets import SheetError as TargetsError, targets_from_sheet
    from onboarding.boundaries import BoundaryFileError, read_boundaries
    from onboarding.sheets import SheetError, read_sheet

    outcomes = {}
    for path in sorted(Path(sys.argv[1]).glob("*.xlsx")):
        data = path.read_bytes()
        try:
            read_sheet(data=data, filename="ds.xlsx")
            outcomes[f"members {path.stem}"] = "read"
        except SheetError as error:
            outcomes[f"members {path.stem}"] = str(error)
        upload = SimpleNamespace(name="chi-tieu.xlsx", size=len(data), read=lambda data=data: data)
        try:
            targets_from_sheet(upload=upload, communes=[])
            outcomes[f"targets {path.stem}"] = "read"
        except TargetsError as error:
            outcomes[f"targets {path.stem}"] = " ".join(error.messages)
    for path in sorted(Path(sys.argv[1]).glob("*.zip")):
        try:
            read_boundaries(data=path.read_bytes(), filename="thon.zip")
            outcomes[f"boundaries {path.stem}"] = "read"
        except BoundaryFileError as error:
            outcomes[f"boundaries {path.stem}"] = str(error)
    # VmHWM: this process's own peak. ru_maxrss keeps the parent's size from before exec (Linux).
    status = Path("/proc/self/status").read_text()
    peak = int(status.split("VmHWM:")[1].split()[0]) * 1024
    print(json.dumps({"peak": peak, "outcomes": outcomes}))
    """
)


def test_the_import_paths_stay_under_256_mb_for_hostile_files(tmp_path):
    """Measured in a process of its own (Django loaded, the member, target and boundary readers), with
    an address-space cap so that a regression fails here instead of taking the machine's memory. The
    files are built here and read there: building a bomb is not what is measured."""
    files = {
        "whole-grid.xlsx": hostile.huge_range_xlsx(),
        "far-cell-only.xlsx": hostile.huge_range_xlsx(dimension=None),
        "lying-bomb.xlsx": hostile.lying_bomb_xlsx(),
        "lying-bomb.zip": hostile.lying_bomb_zip("thon.geojson"),
        "bomb.zip": hostile.bomb_zip("thon.geojson", 200 * 1024 * 1024),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "backend.settings.test", "PYTHONPATH": str(ROOT)}
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD, str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result["peak"] < MEMORY_LIMIT, result
    outcomes = result["outcomes"]
    assert all(outcome != "read" for outcome in outcomes.values()), outcomes
    assert "vùng dữ liệu khai báo" in outcomes["members whole-grid"]
    assert "quá 5000 dòng" in outcomes["targets far-cell-only"]
    assert "CRC" in outcomes["boundaries lying-bomb"] and "CRC" in outcomes["members lying-bomb"]
    assert "giải nén quá lớn" in outcomes["boundaries bomb"]


def test_other_spreadsheet_packages_are_named():
    ods = hostile.zip_of(
        {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}
    )
    with pytest.raises(UploadRejected, match=r"\.ods"):
        _rows(ods)


HOSTILE_CSV = {
    "one line of 10 million commas": (b"a,b\n" + b"," * (10 * 1024 * 1024 - 10), "nhiều cột"),
    "5 million lines": (b"a\n" * (5 * 1024 * 1024), "quá 20000 dòng"),
    "a quote never closed": (b'"' + b"x\n" * (5 * 1024 * 1024 - 2), "ngoặc kép"),
    "over the size limit": (b"a" * (10 * 1024 * 1024 + 1), "Tệp quá lớn"),
}


@pytest.mark.parametrize("name", list(HOSTILE_CSV))
def test_hostile_csv_is_refused_by_name_in_bounded_memory(name):
    data, message = HOSTILE_CSV[name]
    tracemalloc.start()
    try:
        with pytest.raises(UploadRejected, match=message):
            _rows(data, "a.csv")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 128 * 1024 * 1024, f"{name}: {peak / 1e6:.0f} MB"


@settings(max_examples=300, deadline=None)
@given(
    head=st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf"]),
    body=st.binary(max_size=3000) | st.text(max_size=1000).map(str.encode),
    name=st.sampled_from(["a.csv", "a.xlsx", "a.txt"]),
)
def test_any_bytes_are_rows_or_a_named_refusal(head, body, name):
    try:
        rows = sheet_rows(data=head + body, filename=name, **LIMITS)
    except UploadRejected as error:
        assert str(error)
    else:
        assert all(isinstance(number, int) and len(values) <= 60 for number, values in rows)
