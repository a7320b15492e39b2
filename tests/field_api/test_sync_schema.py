"""The OpenAPI schema of push says what the parser accepts: both come from push_spec, and these tests
hold them equal from the outside (a generated client reads the schema, the server runs the parser)."""

import copy
import datetime as dt
import uuid

import jsonschema
import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import given, settings
from hypothesis import strategies as st

from core import record_spec as spec
from tests.field_api.sync_helpers import household, visit

SERVICES = {"vneid_level2": 7, "public_service_account": 7, "online_safety": 7}
COMPONENTS = {
    "household": ("PushHouseholdRequest", spec.HOUSEHOLD_SPEC, spec.household_in),
    "visit": ("PushVisitRequest", spec.VISIT_SPEC, spec.visit_in),
    "group_session": ("PushGroupSessionRequest", spec.SESSION_SPEC, spec.session_in),
    "help": ("PushHelpRequest", spec.HELP_SPEC, None),
}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _context() -> spec.Context:
    return spec.Context(now=timezone.now(), services=SERVICES)


def _json_schema(node, components: dict):
    """OpenAPI 3.0 → JSON Schema: resolve $ref, turn ``nullable`` into a null alternative."""
    if isinstance(node, list):
        return [_json_schema(child, components) for child in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _json_schema(components[node["$ref"].rsplit("/", 1)[1]], components)
    result = {key: _json_schema(value, components) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [result, {"type": "null"}]}
    return result


def _validator(schema: dict, component: str) -> jsonschema.Draft7Validator:
    components = schema["components"]["schemas"]
    return jsonschema.Draft7Validator(_json_schema(components[component], components))


def _session() -> dict:
    return {
        "id": str(uuid.uuid4()),
        "village": "51001-01",
        "held_at": timezone.localtime().isoformat(),
        "services": ["online_safety"],
        "attendees": 35,
        "lat": 15.12,
        "lon": 108.81,
    }


def _good(kind: str) -> dict:
    home = household("51001-01")
    return {
        "household": home,
        "visit": visit(home["id"]),
        "group_session": _session(),
        "help": {"service": "vneid_level2", "result": "done", "people": 2},
    }[kind]


def test_push_request_body_is_json_only_and_errors_have_the_one_shape(schema):
    push = schema["paths"]["/api/v1/sync/push/"]["post"]
    assert set(push["requestBody"]["content"]) == {"application/json"}
    for path, codes in (
        ("/api/v1/sync/push/", {"400", "401", "403", "413", "429"}),
        ("/api/v1/sync/pull/", {"400", "401", "403", "410", "429"}),
    ):
        responses = next(iter(schema["paths"][path].values()))["responses"]
        assert codes <= set(responses), (path, set(responses))
        for code in codes:
            assert responses[code]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "errors"}
    assert "retry" in schema["components"]["schemas"]["PushResult"]["properties"]
    assert "held_back" in schema["components"]["schemas"]["PullResponse"]["properties"]


@pytest.mark.parametrize("kind", list(COMPONENTS))
def test_components_name_every_field_with_its_spec(schema, kind):
    component, item_spec, _parse = COMPONENTS[kind]
    described = schema["components"]["schemas"][component]
    assert set(described["properties"]) == set(item_spec)
    assert set(described.get("required", [])) == {name for name, field in item_spec.items() if field.required}


@pytest.mark.parametrize("kind", list(COMPONENTS))
def test_the_documented_limits_are_the_parsers_limits(schema, kind):
    """For each documented minimum, maximum and maxLength: on the edge is accepted, past it rejected."""
    component, item_spec, _parse = COMPONENTS[kind]
    properties = schema["components"]["schemas"][component]["properties"]
    checked = 0
    for name, prop in properties.items():
        for variants in (prop, *prop.get("oneOf", [])):
            for key, inside, outside in (
                ("minimum", lambda v: v, lambda v: v - 1),
                ("maximum", lambda v: v, lambda v: v + 1),
                ("maxLength", lambda v: "7" * v, lambda v: "7" * (v + 1)),
            ):
                if key not in variants or (key == "maxLength" and variants[key] == 0):
                    continue
                edge = variants[key]
                for value, accepted in ((inside(edge), True), (outside(edge), False)):
                    # The field's own reading (the catalogue and rules across fields are not limits).
                    try:
                        item_spec[name].parse(value, _context())
                    except spec.Invalid:
                        assert not accepted, (name, value)
                    else:
                        assert accepted, (name, value)
                    checked += 1
    assert checked


def _errors(kind: str, parse, item: dict) -> dict:
    try:
        if kind == "help":
            wrapper = visit(str(uuid.uuid4()), help=[item])
            spec.visit_in(wrapper, _context())
        else:
            parse(item, _context())
    except spec.Rejected as rejected:
        return {key.removeprefix("help[0]."): value for key, value in rejected.errors.items()}
    return {}


FIELD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=3000),
    st.floats(min_value=-1, max_value=20_000, allow_nan=False),
    st.sampled_from(
        ["", "Nhà số 5", "51001-01", "0905 123 456", "met", "done", "online_safety", str(uuid.uuid4())]
    ),
    st.just([]),
    st.just(["online_safety"]),
)


@settings(max_examples=150, deadline=None, database=None)
@given(
    kind=st.sampled_from(["household", "visit", "group_session"]),
    changes=st.dictionaries(
        st.sampled_from(sorted({*spec.HOUSEHOLD_SPEC, *spec.VISIT_SPEC, *spec.SESSION_SPEC})),
        FIELD_VALUES,
        max_size=4,
    ),
)
def test_whatever_the_parser_accepts_the_schema_accepts(kind, changes):
    component, item_spec, parse = COMPONENTS[kind]
    item = copy.deepcopy(_good(kind))
    item.update({name: value for name, value in changes.items() if name in item_spec})
    if _errors(kind, parse, item):
        return
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
    errors = list(_validator(_SCHEMA, component).iter_errors(item))
    assert not errors, (item, [e.message for e in errors])


_SCHEMA = None


def test_instants_are_documented_as_the_window_the_parser_keeps():
    moment = spec.VISIT_SPEC["visited_at"]
    assert "2020-01-01" in moment.help and "30" in moment.help
    assert spec.EARLIEST_MOMENT == dt.datetime(2020, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert spec.MAX_AHEAD == dt.timedelta(days=30)
