"""Teams of a province share names ("Tổ CNSCĐ số 1"): everywhere they are shown with their commune."""

from core.models import Team, team_display_name
from tests import factories


def test_team_display_name_carries_the_commune(world, django_assert_num_queries):
    twin = factories.TeamFactory(commune=world.a.other_commune, name=world.a.team.name)
    teams = list(Team.objects.select_related("commune").filter(pk__in=[world.a.team.pk, twin.pk]))
    with django_assert_num_queries(0):
        names = sorted(team.display_name for team in teams)
    assert names == ["Tổ A – Cẩm Thành A", "Tổ A – Nghĩa Lộ A"]


def test_display_helper_for_rows_read_with_values():
    assert team_display_name("Tổ CNSCĐ số 1", "Nghĩa Hành") == "Tổ CNSCĐ số 1 – Nghĩa Hành"
    assert team_display_name("Tổ 1", None) == "Tổ 1"
