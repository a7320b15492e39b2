"""The set-up pages in Chromium: a commune leader on a phone adds a village and resets a password; a
province officer on a desktop reads the set-up table."""

from pathlib import Path

import pytest

from core.models import Role, Village

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page(chromium, live_server, client, user, **options):
    client.force_login(user)
    context = chromium.new_context(locale="vi-VN", **options)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


def test_commune_leader_on_a_phone(chromium, live_server, client, world):
    ARTIFACTS.mkdir(exist_ok=True)
    side = world.a
    context, page = _page(
        chromium,
        live_server,
        client,
        side.users[Role.COMMUNE_LEADER],
        viewport={"width": 360, "height": 740},
        is_mobile=True,
    )
    page.goto(f"{live_server.url}/")
    page.click('[data-nav="setup"]')
    page.wait_for_selector("#village-table")
    page.fill("#id_new-village-name", "Tổ dân phố 9")
    page.fill("#id_new-village-declared_households", "75")
    page.click("#village-add button[type=submit]")
    page.wait_for_selector('tr[data-village="51001-03"]')
    assert Village.objects.get(code="51001-03").declared_households == 75
    volunteer = side.users[Role.VOLUNTEER]
    page.click(f'tr[data-member="{volunteer.username}"] button[name=reset]')
    page.wait_for_selector("#one-time-password")
    password = page.locator("#one-time-password").inner_text()
    volunteer.refresh_from_db()
    assert volunteer.check_password(password)
    page.screenshot(path=str(ARTIFACTS / "setup-commune-phone.png"), full_page=True)
    assert page.errors == []
    assert page.goto(f"{live_server.url}/setup/communes/{world.b.commune.code}/").status == 404
    context.close()


def test_province_officer_table_on_a_desktop(chromium, live_server, client, world):
    context, page = _page(
        chromium,
        live_server,
        client,
        world.a.users[Role.PROVINCE_OFFICER],
        viewport={"width": 1280, "height": 800},
    )
    page.goto(f"{live_server.url}/setup/")
    page.wait_for_selector("#setup-table")
    assert page.locator("#setup-table tbody tr").count() == 2
    page.screenshot(path=str(ARTIFACTS / "setup-province-desktop.png"), full_page=True)
    page.click('tr[data-commune="51002"] a')
    page.wait_for_selector("#member-add")
    assert "Lãnh đạo xã" in page.locator("#id_new-member-role").inner_text()
    assert page.errors == []
    context.close()


def test_village_boundaries_upload_then_on_the_commune_map(chromium, live_server, client, world, tmp_path):
    import json

    from shapely.geometry import box, mapping

    commune = world.a.commune
    commune.geometry = commune.geometry_simplified = mapping(box(108.80, 15.10, 108.90, 15.20))
    commune.bbox_west, commune.bbox_south, commune.bbox_east, commune.bbox_north = (
        108.80,
        15.10,
        108.90,
        15.20,
    )
    commune.save()
    features = [
        {"type": "Feature", "properties": {"ten": name}, "geometry": mapping(shape)}
        for name, shape in (
            ("Thôn 1", box(108.81, 15.11, 108.84, 15.14)),
            ("Thôn 2", box(108.85, 15.15, 108.88, 15.18)),
        )
    ]
    path = tmp_path / "ranh-gioi-thon.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    context, page = _page(
        chromium,
        live_server,
        client,
        world.a.users[Role.COMMUNE_LEADER],
        viewport={"width": 1280, "height": 800},
    )
    page.goto(f"{live_server.url}/setup/communes/{commune.code}/")
    page.click("text=Tải ranh giới thôn")
    page.set_input_files("#file", str(path))
    page.click("#boundary-upload button[type=submit]")
    page.wait_for_selector("#boundary-checks, #upload-error", timeout=60_000)
    assert page.locator("#store-form").count() == 1, page.locator("main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "boundaries-preview-desktop.png"), full_page=True)
    page.click("#store-form button")
    page.wait_for_selector("#stored")
    page.click("#stored a")
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() >= 2
    page.screenshot(path=str(ARTIFACTS / "boundaries-on-commune-map.png"))
    assert page.errors == []
    context.close()


def test_a_reset_password_shows_again_on_reload_and_is_changed_at_first_sign_in(
    chromium, live_server, client, world
):
    """Issue 23 §5: the leader reloads the reset page and sees the same password; the member signs in
    with it and is taken to set their own before anything else."""
    side = world.a
    context, page = _page(chromium, live_server, client, side.users[Role.COMMUNE_LEADER])
    page.goto(f"{live_server.url}/setup/communes/{side.commune.code}/")
    volunteer = side.users[Role.VOLUNTEER]
    page.click(f'tr[data-member="{volunteer.username}"] button[name=reset]')
    page.wait_for_selector("#one-time-password")
    password = page.locator("#one-time-password").inner_text()
    page.reload()
    assert page.locator("#one-time-password").inner_text() == password
    assert page.errors == []
    context.close()

    member = chromium.new_context(locale="vi-VN", viewport={"width": 360, "height": 740}, is_mobile=True)
    phone = member.new_page()
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.fill("input[name=username]", volunteer.username)
    phone.fill("input[name=password]", password)
    phone.click("form.login button[type=submit]")
    phone.wait_for_selector("#change-required")
    assert "/accounts/password/" in phone.url
    phone.goto(f"{live_server.url}/")  # anything else leads back to the change page
    phone.wait_for_selector("#password-change-form")
    phone.fill("#id_password", "dong-lua-2026")
    phone.fill("#id_password_again", "dong-lua-2026")
    phone.click("#password-change-form button[type=submit]")
    phone.wait_for_load_state()
    assert "/accounts/password/" not in phone.url
    volunteer.refresh_from_db()
    assert not volunteer.password_change_required and volunteer.check_password("dong-lua-2026")
    member.close()
