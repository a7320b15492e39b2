"""The phone app in a real headless Chromium (Debian's /usr/bin/chromium through Playwright, no download),
on a phone's screen, against the live product. Service workers and IndexedDB need localhost."""

import pytest
from django.core.management import call_command

from core.models import Role
from tests import factories
from tests.phone.screens import ARTIFACTS

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "vi-VN",
    "timezone_id": "Asia/Ho_Chi_Minh",
    "geolocation": {"latitude": 15.1206, "longitude": 108.8086, "accuracy": 12},
    "permissions": ["geolocation"],
}


class Team:
    """One commune team: two villages, two volunteers (two phones), households to visit."""

    def __init__(self):
        call_command("loaddata", "fixtures/services.json", verbosity=0)
        province = factories.ProvinceFactory(code="51", name="Quảng Ngãi", full_name="Tỉnh Quảng Ngãi")
        self.commune = factories.CommuneFactory(
            code="21025", province=province, name="Cẩm Thành", full_name="Phường Cẩm Thành"
        )
        self.team = factories.TeamFactory(commune=self.commune, name="Tổ 1")
        self.village = factories.VillageFactory(
            commune=self.commune, code="21025-01", name="Thôn An Bình", team=self.team
        )
        self.village2 = factories.VillageFactory(
            commune=self.commune, code="21025-02", name="Thôn Phú Lộc", team=self.team
        )
        factories.VillageFactory(commune=self.commune, code="21025-03", name="Thôn khác")
        self.volunteer = factories.UserFactory(
            username="tv-an-binh", role=Role.VOLUNTEER, team=self.team, full_name="Lê Thị Mai"
        )
        self.teammate = factories.UserFactory(username="tv-phu-loc", role=Role.VOLUNTEER, team=self.team)
        self.officer = factories.UserFactory(
            username="tinh-51", role=Role.PROVINCE_OFFICER, province=province
        )
        names = ["Nguyễn Thị Hường", "Trần Văn Ba", "Phạm Thị Lan", "Lê Văn Tư", "Võ Minh Châu"]
        self.households = [
            factories.HouseholdFactory(
                village=self.village if index < 4 else self.village2,
                label=f"Nhà số {index + 1}",
                head_name=name,
                lat=15.1205 + index * 0.0002,
                lon=108.8085,
            )
            for index, name in enumerate(names)
        ]


@pytest.fixture
def team(transactional_db):
    return Team()


@pytest.fixture
def phone(chromium, live_server):
    """A phone: a fresh browser profile (its own IndexedDB and service worker)."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(**PHONE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    page.base = live_server.url.replace("127.0.0.1", "localhost")
    yield page
    context.close()
