"""The service catalogue arrives with `migrate` (production migrates and nothing else) and never
overwrites what a province changed."""

import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from core.models import Service

CATALOGUE = json.loads(
    (Path(__file__).resolve().parents[2] / "fixtures" / "services.json").read_text("utf-8")
)
migration = importlib.import_module("core.migrations.0008_service_catalogue")


def _stored() -> dict:
    return {
        code: (name, guide, active)
        for code, name, guide, active in Service.objects.values_list("code", "name", "guide", "is_active")
    }


def _expected() -> dict:
    return {
        entry["pk"]: (entry["fields"]["name"], entry["fields"]["guide"], entry["fields"]["is_active"])
        for entry in CATALOGUE
    }


@pytest.mark.django_db(transaction=True)
def test_migrating_an_empty_database_loads_the_catalogue_with_its_guides():
    Service.objects.all().delete()
    call_command("migrate", "field_api", "0007", verbosity=0)
    assert not Service.objects.exists()
    # Every app, not only the core: going back to 0007 also unapplied the apps built on it (campaigns,
    # coverage, the outbox), and the tests after this one need their tables.
    call_command("migrate", verbosity=0)
    assert _stored() == _expected()
    assert all(len(guide) >= 3 for _name, guide, _active in _stored().values())


@pytest.mark.django_db
def test_missing_codes_are_added_and_a_provinces_edits_are_kept():
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    edited = Service.objects.get(code="vneid_level2")
    edited.guide = ["Bước riêng của tỉnh"]
    edited.name = "VNeID mức 2 (tỉnh sửa)"
    edited.save()
    Service.objects.filter(code="online_safety").update(is_active=False)
    Service.objects.create(code="tinh_rieng", name="Dịch vụ riêng của tỉnh", category="Khác")
    Service.objects.filter(code="vneid_level1").delete()

    migration.catalogue_insert_missing(apps, None)
    stored = _stored()
    assert stored["vneid_level2"] == ("VNeID mức 2 (tỉnh sửa)", ["Bước riêng của tỉnh"], True)
    assert stored["online_safety"][2] is False
    assert "tinh_rieng" in stored
    assert stored["vneid_level1"] == _expected()["vneid_level1"]

    migration.catalogue_insert_missing(apps, None)
    assert _stored() == stored


@pytest.mark.django_db
def test_loaddata_over_a_migrated_catalogue_still_works():
    """`make demo` and older scripts load the fixture after migrating: same rows, nothing doubled."""
    migration.catalogue_insert_missing(apps, None)
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    assert _stored() == _expected()
