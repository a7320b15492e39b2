"""A commune with a lagging village, an overdue and an upcoming follow-up, households never visited and a
flagged visit: what the commune leader's pages must surface."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from core.models import FollowUp, Household, Role
from tests import factories


@dataclass
class LeaderWorld:
    world: object
    leader: object
    officer: object
    lagging: object  # Thôn 2: nothing visited
    overdue_household: object
    never_household: object
    flagged_volunteer: object


def build(world) -> LeaderWorld:
    today = timezone.localdate()
    now = timezone.now()
    volunteer = world.a.users[Role.VOLUNTEER]
    volunteer.full_name = "Trần Thị Tình Nguyện"
    volunteer.save()
    visited = []
    for number in range(4):
        household = factories.HouseholdFactory(
            village=world.a.village, label=f"Nhà Thôn Một {number}", lat=15.12 + number * 0.001, lon=108.80
        )
        if number < 3:
            visit = factories.VisitFactory(
                household=household,
                volunteer=volunteer,
                visited_at=now - dt.timedelta(days=2 + number),
                is_flagged=number == 2,
                flags=["very_far_from_household"] if number == 2 else [],
                distance_m=420 if number == 2 else 5,
            )
            Household.objects.filter(pk=household.pk).update(
                last_visited_at=visit.visited_at, last_outcome="met"
            )
            visited.append((household, visit))
    for number in range(3):
        never = factories.HouseholdFactory(
            village=world.a.other_village,
            label="Nhà bà Sáu chưa ai đến" if number == 0 else f"Nhà Thôn Hai {number}",
            phone=f"090511122{number}",
            lat=15.13,
            lon=108.81 + number * 0.001,
        )
        if number == 0:
            never_household = never
    overdue_household, overdue_visit = visited[0]
    FollowUp.objects.create(
        household=overdue_household,
        service_id="vneid_level2",
        team=world.a.team,
        opened_by=overdue_visit,
        since=overdue_visit.visited_at,
        due=today - dt.timedelta(days=3),
    )
    FollowUp.objects.create(
        household=visited[1][0],
        service_id="cashless_payment",
        team=world.a.team,
        opened_by=visited[1][1],
        since=visited[1][1].visited_at,
        due=today + dt.timedelta(days=2),
    )
    FollowUp.objects.create(
        household=visited[2][0],
        service_id="online_safety",
        team=world.a.team,
        opened_by=visited[2][1],
        since=visited[2][1].visited_at,
        due=today + dt.timedelta(days=20),
    )
    return LeaderWorld(
        world=world,
        leader=world.a.users[Role.COMMUNE_LEADER],
        officer=world.a.users[Role.PROVINCE_OFFICER],
        lagging=world.a.other_village,
        overdue_household=Household.objects.get(pk=overdue_household.pk),
        never_household=never_household,
        flagged_volunteer=volunteer,
    )
