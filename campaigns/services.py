"""Writing campaigns: checked whole before anything is stored, so a bad campaign never reaches a tally.

Limits keep every figure a campaign produces finite: the dates ``campaign_date_errors`` allows (the
one rule, in models.py, that the admin's model checks share), and targets the database can hold
without wrapping. Every reason is reported at once, so the API and the officer's form hand their
input here rather than checking parts of it first.
"""

from collections import defaultdict

from auditlog.context import set_actor
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import status

from backend.exceptions import ApplicationError
from campaigns.figures import figures_changed
from campaigns.models import Campaign, CampaignRollupState, CampaignTarget, campaign_date_errors
from core.models import Commune, Province, Service, User, Village

MAX_TARGETS = 20_000  # one per village of the largest province, with room


def campaign_errors(*, data: dict) -> dict[str, list[str]]:
    """Every reason the campaign cannot be stored, keyed by field (``targets[3].village``, …)."""
    dates = campaign_date_errors(starts_on=data["starts_on"], ends_on=data["ends_on"])
    errors: dict[str, list[str]] = {name: [message] for name, message in dates.items()}

    province = data["province"]
    if not Province.objects.filter(code=province).exists():
        errors["province"] = [_("Không có tỉnh mã %(code)s.") % {"code": province}]
    chosen = set(data["communes"])
    known_communes = set(
        Commune.objects.filter(province_id=province, code__in=chosen).values_list("code", flat=True)
    )
    if chosen - known_communes:
        errors["communes"] = [
            _("Xã không thuộc tỉnh: %(codes)s") % {"codes": ", ".join(sorted(chosen - known_communes))}
        ]
    unknown = set(data["services"]) - set(
        Service.objects.filter(code__in=data["services"]).values_list("code", flat=True)
    )
    if unknown:
        errors["services"] = [
            _("Dịch vụ không có trong danh mục: %(codes)s") % {"codes": ", ".join(sorted(unknown))}
        ]
    errors.update(_target_errors(data=data, communes_in_campaign=known_communes if chosen else None))
    return errors


def _target_errors(*, data: dict, communes_in_campaign: set[str] | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    targets = data["targets"]
    named_communes = {t["commune"] for t in targets if t.get("commune")}
    named_villages = {t["village"] for t in targets if t.get("village")}
    communes = set(
        Commune.objects.filter(province_id=data["province"], code__in=named_communes).values_list(
            "code", flat=True
        )
    )
    village_commune = dict(
        Village.objects.filter(commune__province_id=data["province"], code__in=named_villages).values_list(
            "code", "commune_id"
        )
    )
    seen: set = set()
    commune_target: dict[str, int] = {}
    village_sum: dict[str, int] = defaultdict(int)
    first_village_index: dict[str, int] = {}
    for index, target in enumerate(targets):
        commune, village = target.get("commune"), target.get("village")
        where = f"targets[{index}]"
        if bool(commune) == bool(village):
            errors[where] = [_("Mỗi chỉ tiêu gắn với đúng một xã hoặc một thôn.")]
            continue
        area = ("commune", commune) if commune else ("village", village)
        if area in seen:
            errors[f"{where}.{area[0]}"] = [_("Đã có chỉ tiêu cho %(code)s.") % {"code": area[1]}]
            continue
        seen.add(area)
        home = commune if commune else village_commune.get(village)
        if commune and commune not in communes:
            errors[f"{where}.commune"] = [_("Xã không thuộc tỉnh.")]
        elif village and home is None:
            errors[f"{where}.village"] = [_("Thôn không thuộc tỉnh.")]
        elif communes_in_campaign is not None and home not in communes_in_campaign:
            errors[f"{where}.{area[0]}"] = [_("Không thuộc các xã của chiến dịch.")]
        elif commune:
            commune_target[commune] = target["households"]
        else:
            village_sum[home] += target["households"]
            first_village_index.setdefault(home, index)
    for commune, total in village_sum.items():
        if commune in commune_target and total > commune_target[commune]:
            errors[f"targets[{first_village_index[commune]}].households"] = [
                _("Chỉ tiêu các thôn của xã %(code)s (%(sum)s) vượt chỉ tiêu của xã (%(target)s).")
                % {"code": commune, "sum": total, "target": commune_target[commune]}
            ]
    return errors


@transaction.atomic
def campaign_create(*, user: User, data: dict) -> Campaign:
    """Store a campaign and its targets, or nothing (a 400 naming every bad field, 403 out of scope)."""
    if not user.scope.may_run_campaign_in(data["province"]):
        raise ApplicationError(
            _("Chỉ cán bộ tỉnh tạo chiến dịch cho tỉnh của mình."), status_code=status.HTTP_403_FORBIDDEN
        )
    errors = campaign_errors(data=data)
    if errors:
        raise ApplicationError(_("Dữ liệu gửi lên không hợp lệ."), errors=errors)
    with set_actor(user):  # the audit trail names who created it, whichever way the request came in
        return _campaign_store(user=user, data=data)


@transaction.atomic
def campaign_update(*, user: User, campaign: Campaign, data: dict) -> Campaign:
    """Replace a campaign's name, dates, communes, services and targets, checked as on creation; the
    province stays. Its figures are worked out again from the visits on the next read."""
    if not user.scope.may_run_campaign_in(campaign.province_id) or data["province"] != campaign.province_id:
        raise ApplicationError(
            _("Chỉ cán bộ tỉnh sửa chiến dịch của tỉnh mình."), status_code=status.HTTP_403_FORBIDDEN
        )
    errors = campaign_errors(data=data)
    if errors:
        raise ApplicationError(_("Dữ liệu gửi lên không hợp lệ."), errors=errors)
    with set_actor(user):
        # Locked like a rollup refresh, so no refresh computes figures from half of this edit.
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        campaign.name, campaign.starts_on, campaign.ends_on = data["name"], data["starts_on"], data["ends_on"]
        campaign.save(update_fields=["name", "starts_on", "ends_on"])
        CampaignTarget.objects.filter(campaign=campaign).delete()
        _campaign_details_store(campaign=campaign, data=data)
        # Dates, communes or services may have changed: the next read recomputes the rollup.
        CampaignRollupState.objects.filter(campaign=campaign).delete()
        figures_changed(campaign.pk)
    return campaign


def _campaign_store(*, user: User, data: dict) -> Campaign:
    campaign = Campaign.objects.create(
        name=data["name"],
        province_id=data["province"],
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        created_by=user,
    )
    _campaign_details_store(campaign=campaign, data=data)
    return campaign


def _campaign_details_store(*, campaign: Campaign, data: dict) -> None:
    campaign.communes.set(data["communes"])
    campaign.services.set(data["services"])
    CampaignTarget.objects.bulk_create(
        [
            CampaignTarget(
                campaign=campaign,
                commune_id=t.get("commune") or None,
                village_id=t.get("village") or None,
                households=t["households"],
                people=t["people"],
            )
            for t in data["targets"]
        ]
    )
