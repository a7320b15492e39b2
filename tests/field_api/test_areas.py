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


def test_village_outlines_for_the_walk_map_are_bounded(world, client_for):
    """Issue 22 §7: on demand, each village's outline, simplified to at most MAX_POINTS points."""
    import math

    from core.models import Village
    from core.outlines import MAX_POINTS

    ring = [
        [108.80 + 0.01 * math.cos(2 * math.pi * n / 3000), 15.12 + 0.01 * math.sin(2 * math.pi * n / 3000)]
        for n in range(3000)
    ]
    polygon = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    Village.objects.filter(code="51001-01").update(geometry=polygon)
    client = client_for(world.a.users[Role.VOLUNTEER])
    assert "outline" not in client.get("/api/v1/areas/villages/").json()[0]
    [village] = client.get("/api/v1/areas/villages/?outline=true").json()
    [outline] = village["outline"]
    assert 8 <= len(outline) <= MAX_POINTS and outline[0] == outline[-1]
    assert all(abs(lon - 108.80) <= 0.0101 and abs(lat - 15.12) <= 0.0101 for lon, lat in outline)
    assert all(len(str(value).split(".")[-1]) <= 5 for point in outline for value in point)
    Village.objects.filter(code="51001-01").update(geometry=None, geometry_simplified=None)
    assert client.get("/api/v1/areas/villages/?outline=true").json()[0]["outline"] is None
    assert client.get("/api/v1/areas/villages/?outline=maybe").status_code == 400
