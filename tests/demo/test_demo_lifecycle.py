"""`make run` seeds the demo once and never over real data; `remove_demo` takes out exactly the demo;
no command's error names a person."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import ProtectedError

from campaigns.models import Campaign
from core.models import Commune, GroupSession, Household, Role, Team, User, Village, Visit
from core.scope import Scope
from coverage.models import VillageCoverage
from coverage.numbers import CoverageFilter, compute_village_numbers, coverage_refresh
from demo.removal import data_presence
from onboarding.selectors import communes_setup_state
from tests import factories

pytestmark = pytest.mark.django_db
MARKED = (Team, Village, User, Household, Visit, GroupSession)


def _seed_demo(tmp_path, *extra: str, households: int = 200) -> str:
    out = io.StringIO()
    call_command(
        "seed_demo",
        "--province",
        "51",
        "--households",
        str(households),
        "--seed",
        "3",
        "--logins-file",
        str(tmp_path / "logins.txt"),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def _snapshot() -> dict:
    return {
        model.__name__: sorted(str(pk) for pk in model.objects.values_list("pk", flat=True))
        for model in MARKED
    } | {"Campaign": sorted(Campaign.objects.values_list("pk", "name"))}


def _real_world():
    """A commune's own team, village, members, household and visit, as a real province stores them."""
    commune = Commune.objects.get(code="21025")
    team = factories.TeamFactory(commune=commune, name="Tổ thật số 9")
    village = factories.VillageFactory(commune=commune, code="21025-01", name="Thôn Thật", team=team)
    volunteer = factories.UserFactory(
        username="nguoi-that", full_name="Trần Thị Thật", role=Role.VOLUNTEER, commune=commune, team=team
    )
    home = factories.HouseholdFactory(village=village, head_name="Lê Văn Chủ Hộ")
    factories.VisitFactory(household=home, volunteer=volunteer, team=team)
    return volunteer, home


def test_if_empty_seeds_once_and_a_second_start_changes_nothing(quang_ngai_boundaries, tmp_path):
    assert data_presence().may_seed
    first = _seed_demo(tmp_path, "--if-empty")
    assert "Dữ liệu mẫu tỉnh 51" in first and (tmp_path / "logins.txt").exists()
    seeded = _snapshot()
    assert seeded["Household"] and seeded["Visit"] and not data_presence().real

    again = _seed_demo(tmp_path, "--if-empty", households=400)
    assert again.strip() == "Đã có dữ liệu mẫu: giữ nguyên, không tạo lại."
    assert _snapshot() == seeded
    assert (tmp_path / "logins.txt").exists()  # its accounts are still there


@pytest.mark.parametrize("real", ["superuser", "team", "campaign"])
def test_if_empty_never_seeds_over_real_data(quang_ngai_boundaries, tmp_path, real):
    if real == "superuser":  # what `make province` leaves: an administrator and nothing else
        User.objects.create_superuser(username="quantri", password="x" * 12)  # noqa: S106
    elif real == "team":
        factories.TeamFactory(commune=Commune.objects.get(code="21025"))
    else:
        Campaign.objects.create(
            province_id="51", name="Tháng chuyển đổi số", starts_on="2026-01-01", ends_on="2026-01-31"
        )
    (tmp_path / "logins.txt").write_text("tv-21025-1-1\n", encoding="utf-8")  # another database's demo
    before = _snapshot()
    out = _seed_demo(tmp_path, "--if-empty")
    assert "đã có dữ liệu thật" in out and "không tạo dữ liệu mẫu" in out
    assert _snapshot() == before
    assert not (tmp_path / "logins.txt").exists()
    assert data_presence().real and not data_presence().demo


def test_remove_demo_takes_exactly_the_demo_and_recounts_coverage(quang_ngai_boundaries, tmp_path):
    _volunteer, real_home = _real_world()
    admin = factories.UserFactory(role=Role.ADMIN)
    _seed_demo(tmp_path)
    demo_volunteer = User.objects.get(username="tv-21025-1-1")
    # A demo account's visit to a real household: it goes, and the real village's numbers with it.
    factories.VisitFactory(household=real_home, volunteer=demo_volunteer, team=None, is_demo=True)
    coverage_refresh(village_codes=["21025-01"])
    assert VillageCoverage.objects.get(village_id="21025-01").households_reached == 1
    # Real rows that came to use demo ones: a real member in a demo team, a real household in a demo village.
    demo_team = Team.objects.filter(is_demo=True, commune_id="21025").order_by("pk").first()
    factories.UserFactory(
        username="nguoi-that-2", full_name="Phạm Văn Mới", commune_id="21025", team=demo_team
    )
    demo_village = Village.objects.filter(is_demo=True, commune_id="21025").exclude(team=demo_team).first()
    factories.HouseholdFactory(village=demo_village, head_name="Đỗ Thị Sống")
    coverage_refresh(village_codes=[demo_village.code])  # as the household's writer would
    real_before = {
        model.__name__: set(model.objects.filter(is_demo=False).values_list("pk", flat=True))
        for model in MARKED
    }
    real_home_before = Household.objects.values().get(pk=real_home.pk)

    out = io.StringIO()
    call_command("remove_demo", stdout=out)

    assert {
        model.__name__: set(model.objects.filter(is_demo=False).values_list("pk", flat=True))
        for model in MARKED
    } == real_before
    assert Household.objects.values().get(pk=real_home.pk) == real_home_before
    assert not Campaign.objects.exists()
    # Only the two demo rows real ones use are left, still marked.
    assert list(Team.objects.filter(is_demo=True)) == [demo_team]
    assert list(Village.objects.filter(is_demo=True)) == [demo_village]
    for model in (User, Household, Visit, GroupSession):
        assert not model.objects.filter(is_demo=True).exists()
    codes = sorted(Village.objects.values_list("code", flat=True))
    recount = compute_village_numbers(village_codes=codes, filters=CoverageFilter())
    stored = {row["village_id"]: row for row in VillageCoverage.objects.filter(village_id__in=codes).values()}
    assert {code: {key: stored[code][key] for key in recount[code]} for code in codes} == recount
    assert recount["21025-01"]["households_reached"] == 1  # the real visit alone
    text = out.getvalue()
    assert "Đã xoá dữ liệu mẫu" in text and "Giữ lại vì dữ liệu thật đang dùng: 1 thôn, 1 tổ" in text
    for person in ("nguoi-that", "Trần Thị Thật", "Phạm Văn Mới", "Đỗ Thị Sống", "tv-21025"):
        assert person not in text

    # The set-up page counts what is real (and what real rows use), not the demo.
    states = {c.code: c for c in communes_setup_state(scope=Scope.of(admin), province="51")}
    assert sum(c.teams_count for c in states.values()) == 2 and states["21025"].villages_count == 2
    assert sum(1 for c in states.values() if c.teams_count or c.villages_count) == 1

    again = io.StringIO()
    call_command("remove_demo", stdout=again)
    assert "0 lượt thăm" in again.getvalue() and "0 hộ" in again.getvalue()
    assert {
        model.__name__: set(model.objects.filter(is_demo=False).values_list("pk", flat=True))
        for model in MARKED
    } == real_before


def test_reseeding_over_demo_that_real_members_use_fails_without_names(quang_ngai_boundaries, tmp_path):
    """The testers' case: real members imported into demo teams, then the demo seeded again."""
    _seed_demo(tmp_path)
    demo_team = Team.objects.filter(is_demo=True, commune_id="21025").order_by("pk").first()
    names = [f"Nguyễn Thị Riêng {n}" for n in range(3)]
    for n, name in enumerate(names):
        factories.UserFactory(username=f"rieng-{n}", full_name=name, commune_id="21025", team=demo_team)
    before = _snapshot()
    with pytest.raises(CommandError) as failure:
        _seed_demo(tmp_path)
    message = str(failure.value)
    assert "Dữ liệu thật đang dùng dữ liệu mẫu" in message and "1 tổ" in message
    assert not any(f"rieng-{n}" in message or name in message for n, name in enumerate(names))
    assert _snapshot() == before  # nothing changed


@pytest.mark.parametrize("command", ["seed_demo", "remove_demo"])
def test_a_protected_error_is_told_in_counts_never_names(
    quang_ngai_boundaries, tmp_path, monkeypatch, command
):
    people = [factories.UserFactory(full_name=f"Hoàng Văn Bí Mật {n}") for n in range(4)]

    def protected(**kwargs):
        raise ProtectedError(f"Cannot delete: {', '.join(map(repr, people))}", set(people))

    target = (
        "demo.management.commands.seed_demo.demo_seed"
        if command == "seed_demo"
        else ("demo.management.commands.remove_demo.demo_remove")
    )
    monkeypatch.setattr(target, protected)
    args = ["--province", "51"]
    with pytest.raises(CommandError) as failure:
        call_command(command, *args, stdout=io.StringIO(), stderr=io.StringIO())
    message = str(failure.value)
    assert message.startswith("Không")
    assert failure.value.__cause__ is None and failure.value.__suppress_context__
    for person in people:
        assert person.username not in message and person.full_name not in message
    if command == "seed_demo":
        assert "4 bản ghi thật" in message
