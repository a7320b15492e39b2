"""Issue 19 §2: every browser form that stores people's text cleans it by the one rule (``clean_text``)
before judging its length: the set-up pages (villages, teams, members), the catalogue and the campaign
form. Any text at all is either stored clean or refused naming the field."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.text import clean_text, has_unsafe_characters
from backend.text_fields import CleanCharField
from campaigns.forms import CampaignForm
from onboarding.catalogue_views import ProvinceServiceForm, ServiceForm
from onboarding.forms import MemberForm, TeamForm, VillageForm

CONTROLS = "".join(map(chr, [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]))
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
HOSTILE = st.builds(
    "".join,
    st.lists(
        st.sampled_from([*CONTROLS, *BIDI, "=", "+", "-", "@", "e\u0301", "Thôn ", "{{ x }}", "\r\n"])
        | st.text(max_size=5),
        min_size=1,
        max_size=12,
    ),
)
FORM_FIELDS = [
    (VillageForm, "name", False),
    (TeamForm, "name", False),
    (MemberForm, "full_name", False),
    (MemberForm, "phone", False),
    (ServiceForm, "name", False),
    (ServiceForm, "category", False),
    (ServiceForm, "guide", True),
    (ProvinceServiceForm, "guide", True),
    (CampaignForm, "name", False),
]


@pytest.mark.parametrize(("form_class", "name", "multiline"), FORM_FIELDS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=HOSTILE)
def test_form_text_is_stored_clean_or_refused(form_class, name, multiline, text):
    field = form_class.base_fields[name]
    assert isinstance(field, CleanCharField) and field.multiline == multiline
    try:
        value = field.clean(text)
    except ValidationError:
        return  # refused: the form shows the message on this field
    assert value == clean_text(text, multiline=multiline)
    assert not has_unsafe_characters(value.replace("\n", " "))
    if field.max_length:
        assert len(value) <= field.max_length
