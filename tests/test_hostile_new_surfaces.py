"""An outside tester's attacks on the newer surfaces: handoffs, per-field household edits in push,
province-wide village boundaries, and sheets naming pre-2025 communes. Each test names the rule it
holds the product to (issues 19, 22, 23): no 500 for any input, bad input a 4xx naming the field,
nothing half-stored, retries never duplicate, scope (out of scope = 404), text is data, no citizen ID
number stored anywhere."""

import json
import time
import unicodedata
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient
from shapely.geometry import box, mapping

from core.models import Handoff, Household, Role, Village
from core.services.area_names import AreaNames
from core.services.households import household_update
from onboarding.models import ProvinceBoundaryUpload
from tests import factories
from tests.clock import TEST_NOW
from tests.field_api.sync_helpers import by_id, household
from tests.hostile_files import BROKEN, bomb_zip, lying_bomb_zip

pytestmark = [pytest.mark.time_machine(TEST_NOW), pytest.mark.usefixtures("catalogue")]

HANDOFFS = "/api/v1/handoffs/"
PUSH = "/api/v1/sync/push/"


# --- 1. handoffs -------------------------------------------------------------------------------------


def _note(**overrides) -> dict:
    note = {
        "id": str(uuid.uuid4()),
        "household": str(uuid.uuid4()),
        "household_label": "Nhà bà Năm",
        "kind": "visit",
        "recorded_at": timezone.localtime().isoformat(),
        "outcome": "met",
        "note": "Hộ đã chuyển đi.",
        "reason": "outside",
        "reason_text": "Hộ không thuộc các thôn của bạn.",
    }
    note.update(overrides)
    return note


def _raw(client, path: str, body: str):
    return client.post(path, body.encode("utf-8", "surrogatepass"), content_type="application/json")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("note", "a\x00b"),
        ("note", "x" * 1_000_000),
        ("note", {"nested": {"deeper": [1, 2, 3]}}),
        ("note", ["a", "b"]),
        ("household_label", 12),
        ("household_label", True),
        ("kind", ["visit"]),
        ("kind", {"visit": 1}),
        ("reason", None),
        ("recorded_at", 1733550000),
        ("recorded_at", "9999-12-31T23:59:59+14:00"),
        ("household", 5),
        ("id", "00000000-0000-0000-0000-000000000000"),
    ],
)
def test_handoff_odd_values_are_a_400_naming_the_field(volunteer, field, value):
    answer = volunteer.post(HANDOFFS, _note(**{field: value}), format="json")
    assert answer.status_code == 400 and field in answer.json()["errors"]
    assert not Handoff.objects.exists()


def test_handoff_lone_surrogate_is_a_400_naming_the_field(volunteer):
    body = json.dumps(_note(note="PLACEHOLDER")).replace("PLACEHOLDER", "a\\ud800b")
    answer = _raw(volunteer, HANDOFFS, body)
    assert answer.status_code == 400 and "note" in answer.json()["errors"]
    assert not Handoff.objects.exists()


@pytest.mark.parametrize("body", ["[]", '"note"', "42", "null", '{"id": ', "{" * 5000 + "}" * 5000])
def test_handoff_bodies_that_are_not_objects_are_a_400(volunteer, body):
    assert _raw(volunteer, HANDOFFS, body).status_code == 400
    assert not Handoff.objects.exists()


def test_handoff_form_encoded_body_is_a_4xx(volunteer):
    answer = volunteer.post(HANDOFFS, _note(), format="multipart")
    assert 400 <= answer.status_code < 500
    assert not Handoff.objects.exists()


@pytest.mark.parametrize(
    "written",
    [
        "CCCD 079\u00a0095\u00a0001\u00a0234",  # no-break spaces (copied from a document)
        "CCCD 079/095/001/234",
        "CCCD 079_095_001_234",
        "CCCD ０７９０９５００１２３４",  # full-width digits
        "CCCD 0790\u200b9500\u200b1234",  # zero-width spaces: invisible, removed or not
        "CCCD 079 - 095 - 001 - 234",
        "CCCD 079\n095\n001\n234",
    ],
)
def test_handoff_citizen_id_in_any_spelling_is_refused(volunteer, written):
    for field in ("note", "household_label", "reason_text"):
        answer = volunteer.post(HANDOFFS, _note(**{field: written}), format="json")
        assert answer.status_code == 400 and field in answer.json()["errors"], (field, written)
    assert not Handoff.objects.exists()


@pytest.mark.parametrize(
    "written",
    ["Gọi 0905 123 456 hoặc 0905 123 457", "Hẹn 15/12/2026 lúc 10:30, nhà số 123/45", "2 người, 3 lần"],
)
def test_handoff_phone_numbers_and_dates_are_not_citizen_ids(volunteer, written):
    assert volunteer.post(HANDOFFS, _note(note=written), format="json").status_code == 201


def test_handoff_replays(volunteer, world, client_for):
    """A resend in another normal form is the same note; changed content is a 409; another volunteer's
    id is a 409 that tells nothing about the stored note."""
    decomposed = _note(household_label=unicodedata.normalize("NFD", "Nhà bà Năm Đồng"))
    assert volunteer.post(HANDOFFS, decomposed, format="json").status_code == 201
    composed = {**decomposed, "household_label": "Nhà bà Năm Đồng"}
    again = volunteer.post(HANDOFFS, composed, format="json")
    assert again.status_code == 200
    for change in ({"note": "khác"}, {"reason": "other"}, {"outcome": None}, {"household": None}):
        assert volunteer.post(HANDOFFS, {**decomposed, **change}, format="json").status_code == 409
    stolen = client_for(world.b.users[Role.VOLUNTEER]).post(HANDOFFS, composed, format="json")
    assert stolen.status_code == 409 and "Năm" not in stolen.content.decode()
    assert Handoff.objects.count() == 1


def test_handoff_roles(world, client_for):
    a = world.a.users
    for role in (Role.COMMUNE_LEADER, Role.PROVINCE_OFFICER):
        assert client_for(a[role]).post(HANDOFFS, _note(), format="json").status_code == 403
    assert client_for(world.admin).post(HANDOFFS, _note(), format="json").status_code == 403
    assert client_for(a[Role.TEAM_LEADER]).post(HANDOFFS, _note(), format="json").status_code == 201
    inactive = a[Role.VOLUNTEER]
    client = client_for(inactive)
    inactive.is_active = False
    inactive.save()
    assert client.post(HANDOFFS, _note(), format="json").status_code in (401, 403)
    assert client.get(HANDOFFS).status_code in (401, 403)
    assert APIClient().post(HANDOFFS, _note(), format="json").status_code in (401, 403)
    assert Handoff.objects.count() == 1
    assert client_for(a[Role.PROVINCE_OFFICER]).get(HANDOFFS).json() == []


def test_handoff_rate_limit_counts_new_notes_not_resends(volunteer, monkeypatch):
    from core.services import handoffs

    monkeypatch.setattr(handoffs, "DAILY_LIMIT", 2)
    notes = [_note(), _note()]
    assert [volunteer.post(HANDOFFS, n, format="json").status_code for n in notes] == [201, 201]
    assert volunteer.post(HANDOFFS, notes[0], format="json").status_code == 200  # a resend, not a new one
    assert volunteer.post(HANDOFFS, _note(), format="json").status_code == 429
    assert Handoff.objects.count() == 2


def test_handoff_marked_handled_only_in_scope(world, client_for):
    note = _note()
    assert client_for(world.a.users[Role.VOLUNTEER]).post(HANDOFFS, note, format="json").status_code == 201
    handled = f"{HANDOFFS}{note['id']}/handled/"
    for user in (world.b.users[Role.TEAM_LEADER], world.b.users[Role.COMMUNE_LEADER]):
        assert client_for(user).post(handled).status_code == 404
    assert client_for(world.a.users[Role.PROVINCE_OFFICER]).post(handled).status_code in (403, 404)
    assert client_for(world.a.users[Role.VOLUNTEER]).post(handled).status_code in (403, 404)
    assert (
        client_for(world.a.users[Role.TEAM_LEADER]).post(f"{HANDOFFS}{uuid.uuid4()}/handled/").status_code
        == 404
    )
    assert Handoff.objects.get().handled_at is None
    first = client_for(world.a.users[Role.TEAM_LEADER]).post(handled)
    assert first.status_code == 200
    again = client_for(world.a.users[Role.COMMUNE_LEADER]).post(handled)
    assert again.status_code == 200 and again.json()["handled_at"] == first.json()["handled_at"]
    assert Handoff.objects.get().handled_by == world.a.users[Role.TEAM_LEADER]


# --- 2. household edits in push ----------------------------------------------------------------------


def _push(client, **body):
    return client.post(PUSH, {"device_id": "phone-1", **body}, format="json")


def _edit(home: dict, base_version, **fields) -> dict:
    return {"id": home["id"], "base_version": base_version, "fields": fields}


@pytest.fixture
def home(volunteer) -> dict:
    item = household("51001-01")
    assert by_id(_push(volunteer, households=[item]))[item["id"]]["status"] == "created"
    return item


def _stored(home) -> tuple:
    row = Household.objects.get(pk=home["id"])
    return row.version, row.label, row.village_id, row.members, row.head_name


@pytest.mark.parametrize(
    "fields",
    [
        {"id": str(uuid.uuid4())},
        {"version": 9},
        {"base_version": 9},
        {"village_id": "52001-01"},
        {"created_at": "2020-01-01T00:00:00+07:00"},
        {"field_stamps": {"since": 0}},
        {"change_seq": 1},
        {"label": "ok", "moved": True},
        {"__proto__": 1},
    ],
)
def test_edit_of_fields_that_cannot_be_edited_is_rejected(home, volunteer, fields):
    before = _stored(home)
    item = {"id": home["id"], "base_version": 1, "fields": fields}
    answer = by_id(_push(volunteer, households=[item]))[home["id"]]
    assert answer["status"] == "rejected" and "fields" in answer["errors"]
    assert _stored(home) == before


@pytest.mark.parametrize("base_version", [0, -1, 2**31, 2**63, "1", True, 1.5, None, [1], {"v": 1}])
def test_edit_base_version_of_any_wrong_kind_is_rejected(home, volunteer, base_version):
    before = _stored(home)
    answer = by_id(_push(volunteer, households=[_edit(home, base_version, label="Nhà X")]))[home["id"]]
    assert answer["status"] == "rejected" and "base_version" in answer["errors"]
    assert _stored(home) == before


def test_edit_from_a_version_the_server_never_had_does_not_overwrite(home, volunteer, world):
    """A phone claiming to have seen version 99 (a bug, a hostile phone, a queue kept across a restore)
    must not bypass the merge and silently revert the leader's correction: every field it names that
    differs is a conflict for the volunteer to choose; a field it names unchanged is left alone."""
    leader = world.a.users[Role.TEAM_LEADER]
    household_update(household_id=home["id"], changes={"label": "Nhà ông Ba Tư"}, actor=leader)
    before = _stored(home)
    for claimed in (3, 99, 2**31 - 1):
        edit = _edit(home, claimed, label="Nhà bà Ba", members=4)
        answer = by_id(_push(volunteer, households=[edit]))[home["id"]]
        assert answer["status"] == "conflict" and set(answer["conflicts"]) == {"label"}, answer
        assert answer["version"] == 2 and answer["current"]["label"] == "Nhà ông Ba Tư"
    assert _stored(home) == before
    # The volunteer keeps theirs, from the version the answer gave: applied.
    kept = by_id(_push(volunteer, households=[_edit(home, 2, label="Nhà bà Ba")]))[home["id"]]
    assert kept["status"] == "updated" and _stored(home)[:2] == (3, "Nhà bà Ba")


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"label": None}, "label"),
        ({"village": None}, "village"),
        ({"members": None}, "members"),
        ({"consent": None}, "consent"),
        ({"label": ""}, "label"),
        ({"label": "a\x00b"}, "label"),
        ({"label": {"x": 1}}, "label"),
        ({"members": 0}, "members"),
        ({"working_age": 9}, "working_age"),  # more than the stored members
        ({"lat": None}, "lat"),  # the stored lon stays: both or neither is checked on the merged household
        ({"consent": False}, "consent"),  # the stored name and phone need consent
        ({"village": "52001-01"}, "village"),  # another province's village
        ({"village": "51001-01" + "x" * 100}, "village"),
    ],
)
def test_edit_bad_fields_are_named_and_nothing_is_stored(home, volunteer, fields, named):
    before = _stored(home)
    answer = by_id(_push(volunteer, households=[_edit(home, 1, **fields)]))[home["id"]]
    assert answer["status"] == "rejected" and named in answer["errors"], answer
    assert _stored(home) == before


def test_edit_of_head_name_to_null_clears_it(home, volunteer):
    answer = by_id(_push(volunteer, households=[_edit(home, 1, head_name=None)]))[home["id"]]
    assert answer["status"] == "updated"
    assert Household.objects.get(pk=home["id"]).head_name == ""


@pytest.mark.parametrize("fields", [[], {}, "label", 1, None, [["label", "x"]]])
def test_edit_fields_of_the_wrong_shape_are_rejected(home, volunteer, fields):
    item = {"id": home["id"], "base_version": 1, "fields": fields}
    answer = by_id(_push(volunteer, households=[item]))[home["id"]]
    assert answer["status"] == "rejected" and "fields" in answer["errors"]


def test_edit_with_an_unknown_field_name_that_is_not_unicode_is_no_500(home, volunteer):
    body = json.dumps({"device_id": "p", "households": [_edit(home, 1, PLACEHOLDER=1)]})
    answer = _raw(volunteer, PUSH, body.replace("PLACEHOLDER", "\\ud800<b>{{ 7*7 }}"))
    assert answer.status_code in (200, 400), answer.content[:300]
    if answer.status_code == 200:
        assert by_id(answer)[home["id"]]["status"] == "rejected"


def test_edit_of_another_teams_household_is_out_of_scope(world, client_for):
    theirs = household("52001-01", lat=None, lon=None)
    b = client_for(world.b.users[Role.VOLUNTEER])
    assert by_id(_push(b, households=[theirs]))[theirs["id"]]["status"] == "created"
    mine = client_for(world.a.users[Role.VOLUNTEER])
    answer = by_id(_push(mine, households=[_edit(theirs, 1, label="Của tôi")]))[theirs["id"]]
    assert answer["status"] == "rejected" and "current" not in answer
    assert "Nhà ông Ba" not in json.dumps(answer, ensure_ascii=False)
    unknown = {"id": str(uuid.uuid4()), "base_version": 1, "fields": {"label": "x"}}
    assert by_id(_push(mine, households=[unknown]))[unknown["id"]]["status"] == "rejected"
    assert Household.objects.get(pk=theirs["id"]).label == "Nhà ông Ba, số 12"


def test_edit_replayed_is_a_duplicate_and_two_users_conflict_per_field(home, volunteer, world, client_for):
    edit = _edit(home, 1, label="Nhà ông Ba (sửa)")
    assert by_id(_push(volunteer, households=[edit]))[home["id"]]["status"] == "updated"
    replay = by_id(_push(volunteer, households=[edit]))[home["id"]]
    assert replay["status"] == "duplicate" and replay["version"] == 2
    leader = client_for(world.a.users[Role.TEAM_LEADER])
    other = by_id(_push(leader, households=[_edit(home, 1, label="Nhà ông Bảy")]))[home["id"]]
    assert other["status"] == "conflict" and set(other["conflicts"]) == {"label"}
    assert _stored(home)[:2] == (2, "Nhà ông Ba (sửa)")


def test_whole_household_and_edit_of_it_in_one_batch(volunteer):
    new = household("51001-01")
    items = [new, _edit(new, 1, label="Nhà ông Ba (sửa)"), {**new, "label": "Bản cũ", "base_version": 1}]
    answer = _push(volunteer, households=items)
    assert answer.status_code == 200
    statuses = [r["status"] for r in answer.json()["results"] if r["type"] == "household"]
    assert statuses[:2] == ["created", "updated"], statuses
    assert Household.objects.get(pk=new["id"]).version == len(
        [s for s in statuses if s in ("created", "updated")]
    )


@pytest.mark.parametrize("field", ["label", "head_name"])
def test_edit_citizen_id_in_household_text_is_refused(home, volunteer, field):
    before = _stored(home)
    answer = by_id(_push(volunteer, households=[_edit(home, 1, **{field: "Nhà CCCD 079095001234"})]))
    assert answer[home["id"]]["status"] == "rejected" and field in answer[home["id"]]["errors"]
    assert _stored(home) == before


# --- 3. province-wide village boundaries -------------------------------------------------------------

COMMUNE_1 = box(108.80, 15.10, 108.90, 15.20)


@pytest.fixture
def province(world):
    commune = world.a.commune
    commune.geometry = commune.geometry_simplified = mapping(COMMUNE_1)
    commune.save()
    return world


@pytest.fixture
def officer(client, province):
    client.force_login(province.a.users[Role.PROVINCE_OFFICER])
    return client


def _geojson(features) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": props, "geometry": geometry} for props, geometry in features
            ],
        }
    ).encode()


def _upload(client, data, name="thon.geojson", province="51"):
    return client.post(f"/setup/provinces/{province}/boundaries/", {"file": SimpleUploadedFile(name, data)})


V1 = mapping(box(108.80, 15.10, 108.85, 15.20))


def _uploaded(officer, features) -> tuple[str, ProvinceBoundaryUpload]:
    answer = _upload(officer, _geojson(features))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return answer["Location"], ProvinceBoundaryUpload.objects.get()


def test_boundaries_of_another_province_or_by_a_lower_role_are_404(officer, province, client):
    url, upload = _uploaded(officer, [({"ten": "Thôn 1"}, V1)])
    assert officer.get(url.replace("/provinces/51/", "/provinces/52/")).status_code == 404
    for path in (url + "check/", url + "store/"):
        assert (
            officer.post(path.replace("/provinces/51/", "/provinces/52/"), {"codepage": "cp1258"}).status_code
            == 404
        )
    for role in (Role.COMMUNE_LEADER, Role.TEAM_LEADER, Role.VOLUNTEER):
        client.force_login(province.a.users[role])
        assert client.get(url).status_code == 404
        assert client.post(url + "store/").status_code == 404
        assert _upload(client, _geojson([({"ten": "x"}, V1)])).status_code == 404
    client.force_login(province.b.users[Role.PROVINCE_OFFICER])
    assert client.get(url).status_code == 404 and client.post(url + "store/").status_code == 404
    assert (
        ProvinceBoundaryUpload.objects.count() == 1
        and not Village.objects.filter(geometry__isnull=False).exists()
    )


@pytest.mark.parametrize(
    "properties",
    [
        {"ten": "Thôn\x001"},
        {"te\x00n": "Thôn 1"},
        {"ten": "Thôn \ud800 1"},
        {"ten": "\u202eThôn 1\x07"},
    ],
)
def test_boundaries_text_that_cannot_be_stored_is_no_500(officer, properties):
    data = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": properties, "geometry": V1}],
        }
    ).encode("utf-8", "surrogatepass")
    answer = _upload(officer, data)
    assert answer.status_code in (302, 400), answer.content.decode()[:2000]
    if answer.status_code == 302:
        page = officer.get(answer["Location"])
        assert page.status_code == 200
        stored = json.dumps(ProvinceBoundaryUpload.objects.get().features)
        assert "\\u0000" not in stored and "\\ud800" not in stored


def test_boundaries_column_names_are_data(officer):
    column = "<script>alert(1)</script>{{ 7*7 }}{% debug %}"
    url, _ = _uploaded(officer, [({column: "Thôn 1", "{{ 7*7 }}": "{% now 'Y' %}"}, V1)])
    html = officer.get(url).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "{{ 7*7 }}" in html and str(TEST_NOW.year) + "</" not in html  # shown as written, never run
    assert officer.post(url + "check/", {"column": column, "commune_column": ""}).status_code == 302
    assert officer.post(url + "check/", {"column": column, "commune_column": column}).status_code == 302
    assert officer.post(url + "check/", {"column": "x" * 100_000}).status_code == 400
    assert officer.get(url).status_code == 200


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": [108.82, 15.15]},
        {"type": "LineString", "coordinates": [[108.82, 15.15], [108.83, 15.16]]},
        {
            "type": "Polygon",
            "coordinates": [[[108.82, 15.15], [108.83, 15.15], [108.82, 15.15], [108.82, 15.15]]],
        },
        {"type": "Polygon", "coordinates": [[[1e308, 1e308], [-1e308, 1e308], [0, -1e308], [1e308, 1e308]]]},
        {"type": "Polygon", "coordinates": [[[500, 95], [501, 95], [501, 96], [500, 95]]]},
        None,
    ],
)
def test_boundaries_that_are_not_areas_or_absurd_are_refused_not_500(officer, geometry):
    answer = _upload(officer, _geojson([({"ten": "Thôn 1"}, geometry), ({"ten": "Thôn 2"}, V1)]))
    assert answer.status_code in (302, 400), answer.content.decode()[:2000]
    if answer.status_code == 302:
        assert officer.get(answer["Location"]).status_code == 200
        store = officer.post(answer["Location"] + "store/", {"confirm": "1"})
        assert store.status_code in (302, 400)
    assert not Village.objects.filter(geometry__isnull=False).exclude(code__startswith="51001").exists()


@pytest.mark.parametrize("codepage", ["../../etc/passwd", "utf-16", "rot13", "", "cp1258\x00", "x" * 10_000])
def test_boundaries_code_page_tampering_is_a_400(officer, codepage):
    upload = ProvinceBoundaryUpload.objects.create(
        province=_province_of(officer),
        created_by=factories.UserFactory(username="cb", role=Role.ADMIN),
        file_name="thon.zip",
        raw_text=True,
        codepage="cp1258",
        features=[{"number": 1, "properties": {"ten": "Th\xf4n 1"}, "geometry": V1}],
        column="ten",
    )
    url = f"/setup/provinces/51/boundaries/{upload.pk}/check/"
    answer = officer.post(url, {"codepage": codepage})
    assert answer.status_code in (302, 400)
    upload.refresh_from_db()
    assert upload.codepage in ("cp1258", "utf-8", "tcvn3", "cp1252")


def _province_of(client):
    from core.models import Province

    return Province.objects.get(code="51")


def test_boundaries_many_features_is_bounded(officer):
    features = [
        ({"ten": f"Thôn {n}"}, mapping(box(108.80 + n * 1e-5, 15.10, 108.80 + (n + 1) * 1e-5, 15.11)))
        for n in range(3000)
    ]
    answer = _upload(officer, _geojson(features))
    assert answer.status_code in (302, 400, 413)


def _shapefile_zip(tmp_path, *, cpg: bytes | None = None, dbf=None) -> bytes:
    import io
    import zipfile

    import geopandas as gpd

    folder = tmp_path / "shp"
    folder.mkdir()
    frame = gpd.GeoDataFrame(
        {"ten_thon": ["Thôn Đông Hòa"]}, geometry=[box(108.80, 15.10, 108.85, 15.20)], crs=4326
    )
    frame.to_file(folder / "thon.shp", engine="pyogrio", encoding="cp1258")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in folder.glob("thon.*"):
            if part.suffix == ".cpg":
                continue
            content = part.read_bytes()
            if part.suffix == ".dbf" and dbf is not None:
                content = dbf(content)
            archive.writestr(part.name, content)
        if cpg is not None:
            archive.writestr("thon.cpg", cpg)
    return buffer.getvalue()


def _nul_in_text(dbf: bytes) -> bytes:
    # The first record's text: 'Th\xf4n ...' with NUL bytes in the middle (a C program's padding).
    at = dbf.index(b"Th")
    return dbf[:at] + b"Th\x00\x00n" + dbf[at + 5 :]


@pytest.mark.parametrize(
    ("cpg", "dbf"),
    [
        (b"UTF-8\x00\x00", None),
        (b"\xff\xfe<script>alert(1)</script>{{ 7*7 }}", None),
        (b"x" * 100_000, None),
        (None, _nul_in_text),
        (None, lambda dbf: dbf[: len(dbf) // 2]),  # truncated
        (None, lambda dbf: dbf[:8] + b"\xff" * 24 + dbf[32:]),  # a header that lies
        (None, lambda dbf: b""),
    ],
)
def test_boundaries_shapefile_with_a_bad_dbf_or_cpg_is_no_500(officer, tmp_path, cpg, dbf):
    answer = _upload(officer, _shapefile_zip(tmp_path, cpg=cpg, dbf=dbf), name="thon.zip")
    assert answer.status_code in (302, 400), answer.content.decode()[:2000]
    if answer.status_code == 302:
        page = officer.get(answer["Location"])
        assert page.status_code == 200 and "<script>alert(1)" not in page.content.decode()
        for codepage in ("utf-8", "cp1258", "tcvn3", "cp1252"):
            assert officer.post(answer["Location"] + "check/", {"codepage": codepage}).status_code in (
                302,
                400,
            )
            assert officer.get(answer["Location"]).status_code == 200


def test_boundaries_file_name_that_is_odd_is_no_500(officer):
    data = _geojson([({"ten": "Thôn 1"}, V1)])
    for name in ("thon\x00.geojson", "<b>{{ 7*7 }}</b>.geojson", "t" * 5000 + ".geojson"):
        answer = _upload(officer, data, name=name)
        assert answer.status_code in (302, 400), (name[:20], answer.status_code)
        if answer.status_code == 302:
            assert officer.get(answer["Location"]).status_code == 200


@pytest.mark.parametrize("kind", ["bomb", "lying-bomb", *BROKEN])
def test_boundaries_zip_bombs_and_broken_zips_are_a_400(officer, tmp_path, kind):
    if kind == "bomb":
        data = bomb_zip("thon.shp", 110 * 1024 * 1024)
    elif kind == "lying-bomb":
        data = lying_bomb_zip("thon.shp", 110 * 1024 * 1024)
    else:
        data = BROKEN[kind][0](_shapefile_zip(tmp_path), "thon.shp")
    answer = _upload(officer, data, name="thon.zip")
    assert answer.status_code == 400, answer.status_code
    assert not ProvinceBoundaryUpload.objects.exists()


# --- 4. sheets naming pre-2025 communes -------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        "()",
        "Xã",
        "huyện",
        "Xã , huyện",
        "Xã Tân Dân (huyện)",
        "(((",
        ")",
        "(huyện)",
        ", huyện ",
        " - ",
        "Xã (huyện Tư Nghĩa)",
        "x" * 32_767,
        ("Xã Nghĩa Hà, huyện " * 2000)[:32_767] + "(",
        ("a, huyện b " * 3000)[:32_767] + "(",
        ("(huyện " * 5000)[:32_767],
        unicodedata.normalize("NFD", "Xã Tân Dân (huyện Sóc Sơn)"),
        "\u0301\u0300\u0323" * 1000,
    ],
)
def test_former_names_odd_cells_answer_quickly(world, cell):
    from core.models import Commune

    names = AreaNames(Commune.objects.all())
    started = time.process_time()
    match = names.match(cell)
    assert time.process_time() - started < 2  # CPU time of one cell: bounded, not a wall-clock claim
    assert match.area is None or match.area.code


def test_former_name_in_nfd_matches_as_nfc(world):
    from core.services.area_names import former_names

    cell = "Xã Tân Dân (huyện Sóc Sơn)"
    nfc = former_names().find(cell)
    assert nfc and former_names().find(unicodedata.normalize("NFD", cell)) == nfc


def test_a_members_sheet_of_hostile_commune_cells_is_checked_in_bounded_time(world):
    """Every row's commune cell written to cost the most (a district pattern that never closes, 32,767
    characters, the most a spreadsheet cell holds): the preview names each row, in bounded CPU time."""
    from core.scope import Scope
    from onboarding.services import members_check
    from onboarding.sheets import read_sheet
    from tests.onboarding.sheets import members_workbook

    hostile = [
        ("a, huyện b " * 3000)[:32_767] + "(",
        "()",
        unicodedata.normalize("NFD", "Xã Tân Dân (huyện Sóc Sơn)"),
        "(" * 32_767,
    ]
    rows = [
        [n, f"Người {n}", None, 905000000 + n, "Thành viên", hostile[n % len(hostile)], "", "Tổ 1"]
        for n in range(40)
    ]
    data = members_workbook(rows)
    started = time.process_time()  # CPU time of reading and checking: bounded (one "(" cell took 56 s)
    sheet = read_sheet(data=data, filename="ds.xlsx", kind="members")
    preview = members_check(sheet=sheet, scope=Scope.province_officer(province="51"))
    assert time.process_time() - started < 20
    assert not preview.ok and len(preview.rows) == 40
