"""schemathesis hooks for the fuzzing harness (loaded with SCHEMATHESIS_HOOKS in the CLI's process).

- Authentication: the role's knox token on every request. Logout and logout-all would end that token
  (and every token of the user) for the rest of the run, so those two calls get a fresh token of the
  role's twin, minted through the ORM on the test database.
- Reaching real code: most generated campaign ids, export-job ids, province and commune codes are
  mapped onto ones that exist in the fixture world (chosen from the generated value, so runs stay
  deterministic); the rest stay as generated, to try what does not exist.

Environment: FUZZ_TOKEN (empty: anonymous), FUZZ_LOGOUT_USER, FUZZ_KNOWN (JSON from fuzz_world),
DATABASE_URL and DJANGO_SETTINGS_MODULE for the ORM.
"""

import json
import os
import re
import uuid

import schemathesis

TOKEN = os.environ.get("FUZZ_TOKEN", "")
LOGOUT_USER = os.environ.get("FUZZ_LOGOUT_USER", "")
KNOWN = json.loads(os.environ.get("FUZZ_KNOWN", "{}"))
LOGOUTS = {"/api/v1/auth/logout/", "/api/v1/auth/logoutall/"}


def _fresh_twin_token() -> str:
    import django

    django.setup()
    from knox.models import AuthToken

    from core.models import User

    _instance, token = AuthToken.objects.create(User.objects.get(username=LOGOUT_USER))
    return token


if TOKEN:

    @schemathesis.auth(refresh_interval=None)
    class RoleToken:
        def get(self, case, context):
            return _fresh_twin_token() if case.operation.path in LOGOUTS else TOKEN

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}


def _pick(options: list, seed: int):
    """Three times in four a known value, chosen by the generated one; otherwise keep what was made."""
    if not options or seed % 4 == 3:
        return None
    return options[seed % len(options)]


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    if path_parameters is None:
        return path_parameters
    value = path_parameters.get("id")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        known = _pick(KNOWN.get("campaigns", []), value)
        if known is not None:
            path_parameters["id"] = known
    value = path_parameters.get("job_id")
    if isinstance(value, str):
        try:
            seed = uuid.UUID(value).int
        except ValueError:
            seed = None
        known = _pick(KNOWN.get("jobs", []), seed) if seed is not None else None
        if known is not None:
            path_parameters["job_id"] = known
    return path_parameters


@schemathesis.hook
def map_query(context, query):
    if not query:
        return query
    for name, pattern, options in (
        ("province", r"\d{2}", KNOWN.get("provinces", [])),
        ("commune", r"\d{5}", KNOWN.get("communes", [])),
    ):
        value = query.get(name)
        if isinstance(value, str) and re.fullmatch(pattern, value):
            known = _pick(options, int(value))
            if known is not None:
                query[name] = known
    value = query.get("campaign")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        known = _pick(KNOWN.get("campaigns", []), value)
        if known is not None:
            query["campaign"] = known
    return query
