"""Push parse cost in-process: 200 visits (two help items each) parsed 1000 times, CPU time.

Run by hand (not part of the tests; no database needed):

    uv run python bench/sync_parse.py                      # the parser in this tree
    uv run python bench/sync_parse.py --against cce567d    # and the hand-written one of that commit

The push endpoint runs at ~10 k visits/s on this machine, so one 200-visit batch has ~20 ms of wall
time across web and database: this number is the part of it spent reading the phone's JSON.
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BATCH, ROUNDS = 200, 1000


def _visits() -> list[dict]:
    from tests.field_api.sync_helpers import visit

    return json.loads(
        json.dumps([visit("6f1c0e2a-3c1e-4b8e-9a51-7d0b8f0e4a11", minutes_ago=i) for i in range(BATCH)])
    )


def _measure(label: str, parse_one) -> None:
    visits = _visits()

    def batch():
        for item in visits:
            parse_one(item)

    seconds = min(timeit.repeat(batch, timer=time.process_time, number=ROUNDS // 10, repeat=5)) * 10
    print(
        f"{label}: {BATCH} visits x {ROUNDS}: {seconds:.2f} s CPU, {seconds / ROUNDS * 1000:.2f} ms per batch, "
        f"{BATCH * ROUNDS / seconds:,.0f} visits/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--against", help="a git commit whose field_api/push.py has _visit_in")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.test")
    import django

    django.setup()
    from django.utils import timezone

    from core.record_spec import Context, visit_in

    services = {"vneid_level2": 7, "public_service_account": 7, "online_safety": 7}
    if args.against:
        source = subprocess.run(
            ["git", "show", f"{args.against}:field_api/push.py"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
            handle.write(source)
        spec = importlib.util.spec_from_file_location("sync_before", handle.name)
        before = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(before)
        _measure(f"before ({args.against})", lambda item: before._visit_in(item, services))
    context = Context(now=timezone.now(), services=services)
    _measure("now", lambda item: visit_in(item, context))


if __name__ == "__main__":
    main()
