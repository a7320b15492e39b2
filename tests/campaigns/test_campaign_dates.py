"""A campaign's dates have one rule (``campaigns.models.campaign_date_errors``): the admin (the model's
clean), the service, the officer's form and the API refuse the same bad dates with the same message."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from campaigns.models import Campaign, campaign_date_errors
from campaigns.services import campaign_errors
from core.models import Role
from tests.clock import TEST_NOW

pytestmark = pytest.mark.time_machine(TEST_NOW)

RANGE = "Phải trong khoảng 01/01/2020 đến 31/12/2100."
ORDER = "Ngày kết thúc phải sau ngày bắt đầu."
LENGTH = "Một chiến dịch dài tối đa 366 ngày."
BAD = [
    # (starts_on, ends_on, field, message)
    ("2019-12-31", "2026-01-10", "starts_on", RANGE),
    ("2026-01-01", "2101-01-01", "ends_on", RANGE),
    ("2026-12-01", "2026-11-30", "ends_on", ORDER),
    ("2026-01-01", "2027-01-02", "ends_on", LENGTH),  # 367 days, both counted
]
GOOD = [("2026-01-01", "2026-12-31"), ("2024-01-01", "2024-12-31"), ("2026-05-05", "2026-05-05")]


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(("starts_on", "ends_on", "field", "message"), BAD)
def test_the_rule(starts_on, ends_on, field, message):
    assert campaign_date_errors(starts_on=_day(starts_on), ends_on=_day(ends_on)) == {field: message}


@pytest.mark.parametrize(("starts_on", "ends_on"), GOOD)
def test_good_dates_pass(starts_on, ends_on):
    assert campaign_date_errors(starts_on=_day(starts_on), ends_on=_day(ends_on)) == {}


def test_an_out_of_range_day_is_not_also_compared_and_a_missing_one_is_left_to_its_field():
    errors = campaign_date_errors(starts_on=_day("2101-01-01"), ends_on=_day("2026-01-01"))
    assert errors == {"starts_on": RANGE}  # not also "must be after": the start is no real day to compare
    assert campaign_date_errors(starts_on=None, ends_on=_day("2026-01-01")) == {}


@pytest.fixture
def officer(world, client):
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    client.force_login(world.a.users[Role.PROVINCE_OFFICER])
    return client


@pytest.mark.parametrize(("starts_on", "ends_on", "field", "message"), BAD)
def test_every_path_refuses_the_same_dates_with_the_same_message(
    world, officer, client_for, starts_on, ends_on, field, message
):
    # The admin's forms check the model.
    campaign = Campaign(name="x", province=world.a.province, starts_on=_day(starts_on), ends_on=_day(ends_on))
    with pytest.raises(ValidationError) as refused:
        campaign.full_clean()
    assert refused.value.message_dict == {field: [message]}

    data = {"name": "x", "province": "51", "communes": [], "services": [], "targets": []}
    service = campaign_errors(data={**data, "starts_on": _day(starts_on), "ends_on": _day(ends_on)})
    assert service == {field: [message]}

    form = {"province": "51", "name": "x", "starts_on": starts_on, "ends_on": ends_on, "c-51001": "on"}
    page = officer.post("/campaigns/new/", form)
    assert page.status_code == 400 and page.context["form"].errors == {field: [message]}

    api = client_for(world.a.users[Role.PROVINCE_OFFICER]).post(
        "/api/v1/campaigns/", {**data, "starts_on": starts_on, "ends_on": ends_on}, format="json"
    )
    assert api.status_code == 400 and api.json()["errors"] == {field: [message]}
    assert not Campaign.objects.exists()
