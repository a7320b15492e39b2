"""Issue 22 §4: the server's rules at the doorstep come from one source. The push spec
(core/record_spec.py) is exported with the app's strings (/app/i18n/<lang>.json, ``rules``); the phone's
checks (phone/src/rules.js) read every limit from that export, and the forms hold no copy of a number."""

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from core import record_spec
from core.record_spec import (
    EARLIEST_MOMENT,
    HOUSEHOLD_SPEC,
    MAX_AHEAD,
    SESSION_SPEC,
    VISIT_SPEC,
    phone_rules,
)

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "phone" / "src"


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_served_rules_are_the_push_spec(client, lang):
    served = client.get(f"/app/i18n/{lang}.json").json()["rules"]
    assert served == phone_rules()
    # Each limit is the parser's own, field by field.
    for kind, spec in (("household", HOUSEHOLD_SPEC), ("visit", VISIT_SPEC), ("session", SESSION_SPEC)):
        assert set(served[kind]) == set(spec)
        for name, field in spec.items():
            rule = served[kind][name]
            assert rule["required"] == field.required
            if isinstance(field, record_spec.Text):
                assert rule["max_length"] == field.max_length
            if isinstance(field, record_spec.Integer | record_spec.Number):
                assert (rule["min"], rule["max"]) == (field.low, field.high)
            if isinstance(field, record_spec.Codes):
                assert (rule["min_items"], rule["max_items"]) == (field.min_items, field.max_items)
            if isinstance(field, record_spec.Moment):
                assert rule["max_ahead_days"] == MAX_AHEAD.days
                assert rule["earliest"] == EARLIEST_MOMENT.date().isoformat()
    assert served["session"]["services"]["min_items"] == 1  # a group session names a service
    assert served["visit"]["help"]["fields"]["people"] == {"required": False, "min": 1, "max": 50}


# rules.js run by node on the served export, then on the export with other numbers: its verdicts follow.
CHECK = """
import { loadCatalogue } from './i18n.js';
import { checkHousehold, checkSession, checkVisit } from './rules.js';
import { readFileSync } from 'node:fs';
globalThis.document = { documentElement: {} };
const served = JSON.parse(readFileSync(process.argv[2], 'utf8'));
globalThis.fetch = async () => ({ ok: true, json: async () => served });
await loadCatalogue('vi');
const day = (n) => { const d = new Date(); d.setDate(d.getDate() + n); d.setHours(10, 0, 0, 0); return d.toISOString(); };
const ahead = served.rules.session.held_at.max_ahead_days;
const top = served.rules.session.attendees.max;
const label = served.rules.household.label.max_length;
const notes = served.rules.visit.notes.max_length;
const session = (n, attendees, services = ['vneid_level2']) =>
  checkSession({ village: '21025-01', held_at: day(n), services, attendees });
console.log(JSON.stringify({
  last_day: session(ahead, top),
  day_after: session(ahead + 1, top),
  next_year: session(366, 10),
  too_many: session(0, top + 1),
  no_service: session(0, 10, []),
  label_ok: checkHousehold({ village: '21025-01', label: 'x'.repeat(label), members: 1, working_age: 0 }),
  label_long: checkHousehold({ village: '21025-01', label: 'x'.repeat(label + 1), members: 1, working_age: 0 }),
  notes_long: checkVisit({ help: [], notes: 'x'.repeat(notes + 1) }),
}));
"""


def _run_rules(tmp_path, served: dict) -> dict:
    script = SRC / f".rules-check-{tmp_path.name}.mjs"  # beside rules.js, so its imports resolve
    data = tmp_path / "served.json"
    data.write_text(json.dumps(served, ensure_ascii=False))
    script.write_text(CHECK)
    try:
        done = subprocess.run(  # noqa: S603 (our own script and file)
            [shutil.which("node"), str(script), str(data)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    finally:
        script.unlink()
    return json.loads(done.stdout)


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("node") is None, reason="node builds the phone app")
def test_the_phone_checks_read_the_exported_limits(client, tmp_path):
    served = client.get("/app/i18n/vi.json").json()
    verdicts = _run_rules(tmp_path, served)
    latest = (dt.date.today() + MAX_AHEAD).strftime("%d/%m/%Y")
    assert verdicts["last_day"] == {}
    assert set(verdicts["day_after"]) == {"held_at"}
    message = verdicts["next_year"]["held_at"]
    assert latest in message and f"{MAX_AHEAD.days} ngày" in message
    assert not re.search(r"\d{4}-\d{2}-\d{2}", message) and "held_at" not in message
    assert set(verdicts["too_many"]) == {"attendees"}
    assert verdicts["no_service"] == {"services": "Chọn ít nhất một nội dung."}
    assert verdicts["label_ok"] == {} and set(verdicts["label_long"]) == {"label"}
    assert set(verdicts["notes_long"]) == {"notes"}

    # Other numbers in the export, other verdicts: the phone holds no copy of its own.
    served["rules"]["session"]["held_at"]["max_ahead_days"] = 2
    served["rules"]["session"]["attendees"]["max"] = 5
    served["rules"]["household"]["label"]["max_length"] = 3
    served["rules"]["visit"]["notes"]["max_length"] = 4
    changed = _run_rules(tmp_path, served)
    assert changed["last_day"] == {} and "2 ngày" in changed["day_after"]["held_at"]
    assert set(changed["too_many"]) == {"attendees"} and "5" in changed["too_many"]["attendees"]
    assert changed["label_ok"] == {} and set(changed["label_long"]) == {"label"}


def test_the_forms_hold_no_copy_of_a_limit():
    """Lengths and ranges in the forms come from rules.js (the export), never a number written in."""
    for name in ("forms.jsx", "households.jsx", "rules.js"):
        source = (SRC / name).read_text()
        assert not re.findall(r"\b(?:maxLength|min|max)=\{\s*\d", source), name
    rules = (SRC / "rules.js").read_text()
    for number in ("2000", "30", "200", "150", "50"):
        assert not re.search(rf"\b{number}\b", rules), number
