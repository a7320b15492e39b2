"""Issue 19 §2: text typed in the national admin goes through the same rule as every other door: each
text field of each model that keeps people's words cleans with ``clean_text`` before its length limit."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from backend.text_fields import CleanCharField
from campaigns.models import Campaign
from core import models
from ioc.models import FeedKey

HOSTILE = "\x07=Thôn\u202e Phú\x1b Lộc\u2066"
FIELDS = [
    (models.Province, "name"),
    (models.Commune, "name"),
    (models.Village, "name"),
    (models.Team, "name"),
    (models.User, "full_name"),
    (models.Service, "name"),
    (Campaign, "name"),
    (FeedKey, "name"),
]


@pytest.mark.parametrize(("model", "name"), FIELDS)
def test_admin_text_fields_clean_what_is_typed(world, model, name):
    request = RequestFactory().get("/admin/")
    request.user = world.admin
    model_admin = admin.site._registry[model]
    form_field = model_admin.get_form(request)().fields[name]
    assert isinstance(form_field, CleanCharField)
    assert form_field.clean(HOSTILE) == "=Thôn Phú Lộc"


def test_inline_rows_clean_too(world):
    team_admin = admin.site._registry[models.Team]
    request = RequestFactory().get("/admin/")
    request.user = world.admin
    for inline in team_admin.get_inline_instances(request):
        formset = inline.get_formset(request)
        form = formset.form()
        for name in ("name", "full_name"):
            if name in form.fields:
                assert form.fields[name].clean(HOSTILE) == "=Thôn Phú Lộc"
