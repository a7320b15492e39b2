"""Ids read from a phone's items (core.record_spec ``Uuid`` → ``SentUuid``) are UUIDs in every way the
rest of the code can tell: equal to, hashed as and ordered with the same ``uuid.UUID``, written as the
lower-case text every answer gives, pickled and copied as a plain ``uuid.UUID``."""

import copy
import json
import pickle
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from core.record_spec import Context, SentUuid, Uuid


@given(st.uuids(), st.booleans())
def test_a_sent_id_is_the_uuid_it_spells(value: uuid.UUID, upper: bool):
    text = str(value).upper() if upper else str(value)
    sent = Uuid().parse(text, Context(now=timezone.now(), services={}))
    assert type(sent) is SentUuid
    assert sent == value and value == sent and hash(sent) == hash(value)
    assert {value: "stored"}[sent] == "stored" and sent in {value}
    assert not (sent < value) and not (sent > value) and sent.int == value.int
    assert str(sent) == str(value) == f"{sent}" and sent.hex == value.hex
    assert repr(sent) == repr(value)
    assert json.dumps(sent, cls=DjangoJSONEncoder) == json.dumps(str(value))
    for twin in (pickle.loads(pickle.dumps(sent)), copy.copy(sent), copy.deepcopy(sent)):  # noqa: S301 - our own bytes
        assert type(twin) is uuid.UUID and twin == value
