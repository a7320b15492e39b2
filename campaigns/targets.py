"""How a campaign's targets combine: defined once, so every breakdown adds up to the same total.

A province sets targets per commune, per village, or not at all. Every figure is built from *target
units*, one per village of the campaign, plus one per commune for a commune target that no village
could take:

1. a village with its own target keeps it;
2. otherwise, when its commune has a target, the commune's target less its villages' own targets is
   shared among the commune's other villages in proportion to their households (largest remainder,
   so the shares add up exactly; equal shares when no village has households yet);
3. otherwise the village's target is its households (declared by the commune, or registered and not
   moved away if more) and no people target.

What a commune's target cannot give to any village (it has no villages yet, or every village has
its own target) stays with the commune as an "unassigned" unit. A commune's target is then the sum
of its units, a team's the sum of its villages', the whole campaign's the sum of all: by commune, by
village, by team and by day they agree. A commune target smaller than its villages' own targets is
refused when the campaign is saved.

Shares are computed over the whole commune and only then cut to the caller's scope, so a team sees
the same share of its villages that its commune leader sees.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from campaigns.models import Campaign, CampaignTarget
from core.models import Commune, Village
from core.scope import Scope
from coverage.models import VillageCoverage
from coverage.numbers import ensure_coverage_rollup


@dataclass(frozen=True)
class TargetUnit:
    commune: str
    village: str | None  # None: the commune's unassigned remainder
    team: int | None
    households: int
    people: int


def campaign_villages(campaign: Campaign) -> QuerySet[Village]:
    villages = Village.objects.filter(commune__province_id=campaign.province_id)
    communes = list(campaign.communes.values_list("code", flat=True))
    return villages.filter(commune_id__in=communes) if communes else villages


def village_households(villages: QuerySet[Village]) -> dict[str, int]:
    """Households per village as coverage counts them, read from the rollup every push keeps current."""
    ensure_coverage_rollup(villages)
    stored = dict(
        VillageCoverage.objects.filter(village__in=villages).values_list("village_id", "households")
    )
    return {code: stored.get(code, 0) for code in villages.values_list("code", flat=True)}


def _share(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Split ``total`` in proportion to ``weights`` with the largest-remainder method (exact sum)."""
    if not weights:
        return {}
    weight_sum = sum(weights.values())
    if weight_sum == 0:
        weights, weight_sum = dict.fromkeys(weights, 1), len(weights)
    exact = {key: total * weight / weight_sum for key, weight in weights.items()}
    shares = {key: int(value) for key, value in exact.items()}
    left = total - sum(shares.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] - shares[k]), k))[:left]:
        shares[key] += 1
    return shares


def target_units(*, campaign: Campaign, scope: Scope) -> list[TargetUnit]:
    """The campaign's target units that the scope may see (see the module's docstring)."""
    all_villages = campaign_villages(campaign)
    visible = set(all_villages.filter(scope.villages()).values_list("code", flat=True))
    whole = set(campaign_communes(campaign).filter(scope.whole_communes()).values_list("code", flat=True))
    communes = whole | set(all_villages.filter(code__in=visible).values_list("commune_id", flat=True))
    # Shares are computed over whole communes, then cut to what the scope sees.
    villages = all_villages.filter(commune_id__in=communes)
    households = village_households(villages)
    targets = list(CampaignTarget.objects.filter(campaign=campaign))
    commune_targets = {t.commune_id: t for t in targets if t.commune_id in communes}
    own = {t.village_id: t for t in targets if t.village_id}
    members: dict[str, list] = defaultdict(list)
    for code, commune, team in villages.values_list("code", "commune_id", "team_id"):
        members[commune].append((code, team))

    units = []
    for commune in sorted(communes):
        target = commune_targets.get(commune)
        others = {code: households.get(code, 0) for code, _team in members[commune] if code not in own}
        if target is not None:
            left_h = max(
                target.households - sum(own[c].households for c, _t in members[commune] if c in own), 0
            )
            left_p = max(target.people - sum(own[c].people for c, _t in members[commune] if c in own), 0)
            shares_h, shares_p = _share(left_h, others), _share(left_p, others)
        for code, team in members[commune]:
            if code not in visible:
                continue
            if code in own:
                unit = (own[code].households, own[code].people)
            elif target is not None:
                unit = (shares_h[code], shares_p[code])
            else:
                unit = (households.get(code, 0), 0)
            units.append(TargetUnit(commune, code, team, *unit))
        if target is not None and not others and commune in whole and (left_h or left_p):
            units.append(TargetUnit(commune, None, None, left_h, left_p))
    return units


def campaign_communes(campaign: Campaign) -> QuerySet[Commune]:
    communes = Commune.objects.filter(province_id=campaign.province_id)
    chosen = list(campaign.communes.values_list("code", flat=True))
    return communes.filter(code__in=chosen) if chosen else communes
