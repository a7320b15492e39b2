import datetime as dt
import uuid

import factory
from django.utils import timezone

from backend.text import search_key
from core import models


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Province
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{90 + n % 10:02d}")
    name = factory.Sequence(lambda n: f"Tỉnh Thử {n}")
    full_name = factory.LazyAttribute(lambda o: f"Tỉnh {o.name}")


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Commune
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{80000 + n:05d}")
    province = factory.SubFactory(ProvinceFactory)
    name = factory.Sequence(lambda n: f"Cẩm Thành {n}")
    full_name = factory.LazyAttribute(lambda o: f"Xã {o.name}")
    unit_type = "Xã"
    lat = 15.12
    lon = 108.80


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Team

    commune = factory.SubFactory(CommuneFactory)
    name = factory.Sequence(lambda n: f"Tổ CNSCĐ {n}")


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Village
        django_get_or_create = ["code"]

    commune = factory.SubFactory(CommuneFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.commune.code}-{n % 100:02d}")
    name = factory.Sequence(lambda n: f"Thôn {n}")
    team = None
    declared_households = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="vi_VN")
    password = factory.django.Password("mat-khau-123")
    role = models.Role.VOLUNTEER


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Household

    id = factory.LazyFunction(uuid.uuid4)
    village = factory.SubFactory(VillageFactory)
    label = factory.Sequence(lambda n: f"Nhà số {n}")
    head_name = factory.Faker("name", locale="vi_VN")
    phone = factory.Sequence(lambda n: f"0905{n:06d}")
    members = 4
    working_age = 2
    lat = 15.1205
    lon = 108.8085
    consent = True
    search_name = factory.LazyAttribute(lambda o: search_key(f"{o.label} {o.head_name}"))


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Visit

    id = factory.LazyFunction(uuid.uuid4)
    household = factory.SubFactory(HouseholdFactory)
    village = factory.LazyAttribute(lambda o: o.household.village)
    volunteer = factory.SubFactory(UserFactory)
    team = factory.LazyAttribute(lambda o: o.household.village.team)
    visited_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    lat = 15.1205
    lon = 108.8085
    accuracy_m = 10
    outcome = models.Outcome.MET
    content_hash = factory.LazyFunction(lambda: uuid.uuid4().hex)
