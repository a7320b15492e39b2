from core.models import Role


def test_communes_filtered_by_province_for_admin(world, client_for):
    body = client_for(world.admin).get("/api/v1/areas/communes/?province=51").json()
    assert [c["code"] for c in body] == ["51001", "51002"]
    assert body[0] == {
        "code": "51001",
        "name": "Cẩm Thành A",
        "full_name": "Phường Cẩm Thành A",
        "province": "51",
    }


def test_commune_search_ignores_diacritics(world, client_for):
    body = client_for(world.admin).get("/api/v1/areas/communes/", {"search": "cam thanh"}).json()
    assert {c["code"] for c in body} == {"51001", "52001"}
    body = client_for(world.admin).get("/api/v1/areas/communes/", {"search": "Nghia Lo B"}).json()
    assert [c["code"] for c in body] == ["52002"]


def test_bad_filter_names_the_field(world, client_for):
    response = client_for(world.admin).get("/api/v1/areas/communes/?province=ab")
    assert response.status_code == 400
    assert "province" in response.json()["errors"]


def test_villages_of_team_for_volunteer(world, client_for):
    body = client_for(world.a.users[Role.VOLUNTEER]).get("/api/v1/areas/villages/").json()
    assert body == [{"code": "51001-01", "name": "Thôn 1", "commune": "51001"}]


def test_villages_of_commune_for_commune_leader(world, client_for):
    body = client_for(world.a.users[Role.COMMUNE_LEADER]).get("/api/v1/areas/villages/?commune=51001").json()
    assert [v["code"] for v in body] == ["51001-01", "51001-02"]


def test_services_catalogue_with_guides(db, client_for, world):
    from django.core.management import call_command

    call_command("loaddata", "fixtures/services.json", verbosity=0)
    body = client_for(world.a.users[Role.VOLUNTEER]).get("/api/v1/services/").json()
    codes = [s["code"] for s in body]
    assert {"vneid_level2", "public_service_account", "online_procedure", "cashless_payment"} <= set(codes)
    assert {"online_shopping", "online_safety", "digital_signature"} <= set(codes)
    vneid = next(s for s in body if s["code"] == "vneid_level2")
    assert vneid["name"].startswith("Kích hoạt")
    assert len(vneid["guide"]) >= 3 and all(isinstance(step, str) and step for step in vneid["guide"])
