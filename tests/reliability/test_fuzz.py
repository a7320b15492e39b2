"""Fuzzing from outside: schemathesis over the whole OpenAPI schema served at /api/schema/, against a
real gunicorn on the PostgreSQL test database, once as each role and once anonymous, with every check
schemathesis has (server errors, schema, status codes, content types, headers, negative and positive
data, auth, ...). What must hold: no finding at all. ``schemathesis.toml`` beside this file says, per
operation and with the reason, which answers the contract prescribes where a schema cannot express a
rule (wrong credentials are a 400; push answers bad items one by one with a 200).

Generation is deterministic (``--generation-deterministic``, which keeps no example database), so CI sees the same
inputs every run; ``FUZZ_MAX_EXAMPLES`` raises the number of cases per operation for a longer hunt.
A failure lists every finding: operation, check, answer and a curl line to reproduce it.
"""

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET  # noqa: S405 - our own subprocess's report
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tests.reliability import wire
from tests.reliability.fuzz_world import ROLES, build_fuzz_world
from tests.reliability.server import ROOT, Gunicorn, database_url

# The django_db mark makes pytest-django set up the test database even when only these tests run; the
# world itself is written and flushed by the module fixture, outside any test's transaction.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "8"))
# One at a time: with two, schemathesis's own case generation failed inside CPython ("AST constructor
# recursion depth mismatch", then "Inconsistent results") on the push's schema.
FUZZ_WORKERS = os.environ.get("FUZZ_WORKERS", "1")
# Where to keep each run's full output and JUnit report (default: pytest's temporary directory).
REPORT_DIR = os.environ.get("FUZZ_REPORT_DIR")


@pytest.fixture(scope="module")
def fuzz_target(django_db_setup, django_db_blocker, tmp_path_factory):
    """One world and one server for all six runs; the world is committed (the server must see it) and
    flushed afterwards, so the tests after these find an empty database as usual."""
    with django_db_blocker.unblock():
        database = database_url(connection.settings_dict)  # refuses anything but a test database
        call_command("flush", interactive=False, verbosity=0)
        world = build_fuzz_world()
    # An answer slower than the client's timeout is a finding too (a request that ties up a worker).
    server = Gunicorn(database=database, timeout=15, env={"MEDIA_ROOT": str(settings.MEDIA_ROOT)})
    try:
        server.wait_ready()
        # The schema as served, fetched once (drf-spectacular builds it on every request).
        schema = wire.request(server.port, "GET", "/api/schema/?format=json")
        assert schema.status == 200, schema.body[:500]
        schema_file = tmp_path_factory.mktemp("schema") / "openapi.json"
        schema_file.write_bytes(schema.body)
        yield world, server, database, schema_file
    finally:
        server.stop()
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


def _findings(junit: Path) -> list[str]:
    """One line per failing case: operation, checks, the answer's status and start, how to reproduce."""
    lines = []
    for case in ET.parse(junit).getroot().iter("testcase"):  # noqa: S314 - written by schemathesis just now
        for failure in [*case.iter("failure"), *case.iter("error")]:
            text = failure.text or failure.get("message", "")
            for block in re.split(r"\n(?=\d+\. Test Case ID)", text):
                checks = re.findall(r"^- (.+)$", block, re.M)
                answer = re.search(r"^\[(\d+)\] ([^\n]*):\n\n\s+`?([^\n]{0,240})", block, re.M)
                curl = re.search(r"^\s+(curl [^\n]{0,600})", block, re.M)
                lines.append(
                    f"{case.get('name')} | {'; '.join(checks) or failure.get('message')} | "
                    f"{answer.group(1) + ' ' + answer.group(3) if answer else '(no answer)'} | "
                    f"{curl.group(1) if curl else ''}"
                )
    return lines


@pytest.mark.parametrize("role", [*[str(role) for role in ROLES], "anonymous"])
def test_schemathesis_finds_nothing(fuzz_target, role, tmp_path):
    world, server, database, schema_file = fuzz_target
    if REPORT_DIR:
        tmp_path = Path(REPORT_DIR) / role
        tmp_path.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.reliability.fuzz_hooks",
        "FUZZ_TOKEN": world["tokens"].get(role, ""),
        "FUZZ_LOGOUT_USER": world["twins"].get(role, ""),
        "FUZZ_KNOWN": json.dumps(world["known"]),
        "DATABASE_URL": database,
        "DJANGO_SETTINGS_MODULE": "backend.settings.base",
        "PYTHONHASHSEED": "0",
        # Run from the report directory (schemathesis keeps a crash cache in its working directory).
        "PYTHONPATH": str(ROOT),
    }
    junit = tmp_path / "junit.xml"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(Path(__file__).with_name("schemathesis.toml")),
        "run",
        str(schema_file),
        "--url",
        server.url,
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",
        "--workers",
        FUZZ_WORKERS,
        "--request-timeout",
        "10",
        "--suppress-health-check",
        "all",
        "--report",
        "junit",
        "--report-junit-path",
        str(junit),
        "--no-color",
    ]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)  # noqa: S603
    output = done.stdout + done.stderr
    (tmp_path / "schemathesis.txt").write_text(output)
    summary = re.search(r"Test cases:\n\s+([^\n]+)", output)
    print(f"\nFUZZ FIGURES {role}: {summary.group(1) if summary else '(no summary)'} ({tmp_path})")
    assert junit.exists(), f"schemathesis did not run:\n{output[-3000:]}"
    findings = _findings(junit)
    assert done.returncode == 0 and not findings, (
        f"{len(findings)} findings as {role} (full output in {tmp_path}/schemathesis.txt):\n"
        + "\n".join(findings)
    )
