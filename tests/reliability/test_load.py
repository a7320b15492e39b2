"""Load without loss: 50 phones against gunicorn (2 workers) and PostgreSQL, each pushing 20 batches of
households, visits with help items, edits and group sessions; a fifth of the batches sent again (some
reordered, one per phone racing its original), some uploads cut halfway and some answers lost, each
followed by the phone's retry. Afterwards the database holds exactly the distinct items sent, and every
phone's pull brings its team's whole list, with versions, last visits and open follow-ups right.

Figures (items, replays, cuts, latency) are printed: run with ``-s`` to read them (docs/RELIABILITY.md).
"""

import datetime as dt
import http.client
import json
import random
import statistics
import threading
import time
from collections import Counter

import pytest
from django.db import connection

from core.models import FollowUp, GroupSession, HelpItem, Household, Visit
from tests.reliability import wire
from tests.reliability.conftest import field_teams
from tests.reliability.phones import Ledger, Phone, reordered, teams_truth

pytestmark = [pytest.mark.postgres]

TEAMS, PHONES_PER_TEAM, BATCHES, REPLAYS_PER_PHONE = 10, 5, 20, 4  # 4 of 20 = 20 % replayed
SEED = 20261125
PUSH = "/api/v1/sync/push/"
FIRST_ANSWER = {"household": {"created", "updated"}, "visit": {"created"}, "group_session": {"created"}}


class Run:
    """What the phones saw, gathered across threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.counts = Counter()
        self.problems: list[str] = []

    def note(self, **counts):
        with self.lock:
            self.counts.update(counts)

    def problem(self, text: str):
        with self.lock:
            self.problems.append(text)


def _send(port: int, phone: Phone, payload: dict, run: Run, label: str) -> wire.Answer:
    """Send until an answer arrives, as the phone's queue does (a cut connection is simply retried)."""
    body = json.dumps(payload).encode()
    for attempt in range(8):
        try:
            answer = wire.request(port, "POST", PUSH, token=phone.token, body=body)
        except (OSError, http.client.HTTPException) as error:
            run.note(network_errors=1)
            run.problem(f"{label}: attempt {attempt}: {type(error).__name__}: {error}")
            time.sleep(0.2 * (attempt + 1))
            continue
        if answer.status == 200:
            return answer
        run.problem(f"{label}: HTTP {answer.status}: {answer.body[:300]!r}")
        if answer.status < 500:
            return answer
        time.sleep(0.2 * (attempt + 1))
    raise AssertionError(f"{label}: no answer after 8 attempts")


def _statuses(answer: wire.Answer) -> list[dict]:
    return answer.json()["results"] if answer.status == 200 else []


def _check(results: list[dict], allowed: dict, run: Run, label: str, expected_ids: set) -> None:
    seen = set()
    for result in results:
        seen.add(result["id"])
        run.note(**{f"{result['type']}:{result['status']}": 1})
        if result["status"] not in allowed[result["type"]]:
            run.problem(f"{label}: {result}")
    if seen != expected_ids:
        run.problem(f"{label}: answered for {len(seen)} items, sent {len(expected_ids)}")


def _ids(payload: dict) -> set:
    return {item["id"] for key in ("households", "visits", "group_sessions") for item in payload.get(key, [])}


def _phone_life(port: int, phone: Phone, run: Run) -> None:
    rng = random.Random(SEED + phone.index)
    numbers = list(range(1, BATCHES))
    rng.shuffle(numbers)
    replayed = set(numbers[:REPLAYS_PER_PHONE])
    racing = numbers[0]  # one replay goes out at the same time as its original
    cut_mid, cut_after = numbers[REPLAYS_PER_PHONE], numbers[REPLAYS_PER_PHONE + 1]
    for number in range(BATCHES):
        payload = phone.batch(number)
        label = f"phone {phone.index} batch {number}"
        ids = _ids(payload)
        run.note(items=len(ids), batches=1)
        allowed = FIRST_ANSWER
        if number in (cut_mid, cut_after):
            cut = wire.cut_mid_body if number == cut_mid else wire.cut_after_body
            cut(port, PUSH, token=phone.token, body=json.dumps(payload).encode())
            run.note(cuts_mid_body=int(number == cut_mid), cuts_after_body=int(number == cut_after))
            # The cut request may or may not have been stored: the retry is told either way.
            allowed = {kind: {*states, "duplicate"} for kind, states in FIRST_ANSWER.items()}
        if number == racing:
            answers = {}

            def send(name, body, answers=answers, label=label):
                answers[name] = _send(port, phone, body, run, f"{label} ({name})")

            twins = [
                threading.Thread(target=send, args=("original", payload)),
                threading.Thread(target=send, args=("racing replay", reordered(payload, rng))),
            ]
            for thread in twins:
                thread.start()
            for thread in twins:
                thread.join()
            run.note(replays=1, racing_replays=1)
            first = {r["id"]: r for r in _statuses(answers["original"])}
            for result in _statuses(answers["racing replay"]):
                # Of the two, exactly one stores each item; the other is told it is a duplicate.
                pair = {first.get(result["id"], {}).get("status"), result["status"]}
                if "duplicate" not in pair or not pair - {"duplicate"} <= FIRST_ANSWER[result["type"]]:
                    run.problem(f"{label}: racing pair {first.get(result['id'])} / {result}")
            _check(
                _statuses(answers["original"]),
                {k: {*v, "duplicate"} for k, v in allowed.items()},
                run,
                label,
                ids,
            )
            continue
        answer = _send(port, phone, payload, run, label)
        run.latencies.append(answer.seconds)
        _check(_statuses(answer), allowed, run, label, ids)
        if number in replayed:
            again = reordered(payload, rng) if rng.random() < 0.5 else payload
            run.note(replays=1, reordered_replays=int(again is not payload))
            replay = _send(port, phone, again, run, f"{label} (replay)")
            everything_duplicate = {
                "household": {"duplicate"},
                "visit": {"duplicate"},
                "group_session": {"duplicate"},
            }
            _check(_statuses(replay), everything_duplicate, run, f"{label} (replay)", ids)


def _wait_until_quiet(seconds: float = 60) -> None:
    """Requests whose answers were lost may still be running: wait until no other session of this
    database is busy, so every stored change is below every reader's horizon."""
    deadline = time.monotonic() + seconds
    quiet = 0
    while time.monotonic() < deadline and quiet < 3:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND (state <> 'idle' OR backend_xid IS NOT NULL)"
            )
            quiet = quiet + 1 if cursor.fetchone()[0] == 0 else 0
        time.sleep(0.2)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _same_instant(text: str | None, moment: dt.datetime | None) -> bool:
    if text is None or moment is None:
        return text is None and moment is None
    return dt.datetime.fromisoformat(text) == moment


def test_fifty_phones_lose_nothing_and_duplicate_nothing(gunicorn):
    teams = field_teams(teams=TEAMS, phones_per_team=PHONES_PER_TEAM)
    phones = [
        Phone(
            index=index * PHONES_PER_TEAM + number,
            token=entry["token"],
            device_id=entry["device_id"],
            villages=team.villages,
            team=index,
            seed=SEED,
        )
        for index, team in enumerate(teams)
        for number, entry in enumerate(team.phones)
    ]
    run = Run()
    failures: list[str] = []

    def life(phone):
        try:
            _phone_life(gunicorn.port, phone, run)
        except Exception as error:  # noqa: BLE001 - reported below with the phone it happened to
            failures.append(f"phone {phone.index}: {type(error).__name__}: {error}")

    began = time.perf_counter()
    threads = [threading.Thread(target=life, args=(phone,)) for phone in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    _wait_until_quiet()

    ledger = Ledger()
    for phone in phones:
        ledger.merge(phone.ledger)

    # --- the database holds exactly what was sent, once ---
    stored = {str(h.id): h for h in Household.objects.all()}
    visits = {str(v) for v in Visit.objects.values_list("id", flat=True)}
    help_items = set(HelpItem.objects.values_list("visit_id", "service_id"))
    sessions = {str(s) for s in GroupSession.objects.values_list("id", flat=True)}
    open_followups = {
        (str(h), s)
        for h, s in FollowUp.objects.filter(closed_at__isnull=True).values_list("household_id", "service_id")
    }
    sent_help = {(v_id, h["service"]) for v_id, v in ledger.visits.items() for h in v["help"]}
    truth = ledger.household_truth()
    wrong_households = [
        hid
        for hid, expected in ledger.households.items()
        if hid in stored
        and (
            (stored[hid].version, stored[hid].label) != (expected["version"], expected["label"])
            or stored[hid].last_visited_at != truth[hid]["last_visited_at"]
            or (stored[hid].last_outcome or None) != truth[hid]["last_outcome"]
            or set(stored[hid].services_done) != truth[hid]["services_done"]
        )
    ]
    figures = {
        "phones": len(phones),
        "batches": run.counts["batches"],
        "items sent (distinct)": len(ledger.households) + len(ledger.visits) + len(ledger.sessions),
        "households": len(ledger.households),
        "visits": len(ledger.visits),
        "help items": ledger.help_items,
        "group sessions": len(ledger.sessions),
        "replays": run.counts["replays"],
        "reordered replays": run.counts["reordered_replays"],
        "racing replays": run.counts["racing_replays"],
        "cuts mid-body": run.counts["cuts_mid_body"],
        "cuts after body": run.counts["cuts_after_body"],
        "network errors retried": run.counts["network_errors"],
        "push p50 ms": round(1000 * statistics.median(run.latencies)) if run.latencies else None,
        "push p95 ms": round(1000 * _percentile(run.latencies, 0.95)) if run.latencies else None,
        "seconds": round(elapsed, 1),
        "lost": len(set(ledger.households) - set(stored))
        + len(set(ledger.visits) - visits)
        + len(sent_help - {(str(v), s) for v, s in help_items})
        + len(set(ledger.sessions) - sessions),
        "unexpected rows": len(set(stored) - set(ledger.households))
        + len(visits - set(ledger.visits))
        + len({(str(v), s) for v, s in help_items} - sent_help)
        + len(sessions - set(ledger.sessions)),
    }
    print("\nLOAD FIGURES " + json.dumps(figures, ensure_ascii=False))
    print("LOAD STATUSES " + json.dumps({k: v for k, v in sorted(run.counts.items()) if ":" in k}))

    assert not failures, failures
    assert not run.problems, f"{len(run.problems)} unexpected answers, first: {run.problems[:15]}"
    assert set(stored) == set(ledger.households)
    assert visits == set(ledger.visits)
    assert len(help_items) == ledger.help_items
    assert {(str(v), s) for v, s in help_items} == sent_help
    assert sessions == set(ledger.sessions)
    assert open_followups == ledger.open_followups()
    assert not wrong_households, f"{len(wrong_households)} households differ, e.g. {wrong_households[:3]}"

    # --- every phone's pull is complete: its team's whole list, each household once, right ---
    team_households = teams_truth(ledger)
    open_by_household = {}
    for household, service in ledger.open_followups():
        open_by_household.setdefault(household, set()).add(service)
    pull_problems = []
    for phone in phones:
        pages = wire.pull_all(gunicorn.port, phone.token, limit=60)
        records = [record for page in pages for record in page["households"]]
        ids = [record["id"] for record in records]
        if len(ids) != len(set(ids)):
            pull_problems.append(f"phone {phone.index}: a household came twice")
        if set(ids) != team_households[phone.team]:
            pull_problems.append(
                f"phone {phone.index}: pulled {len(set(ids))}, team has {len(team_households[phone.team])}"
            )
        for record in records:
            expected, facts = ledger.households.get(record["id"]), truth.get(record["id"])
            if expected is None:
                continue
            if (
                (record["version"], record["label"]) != (expected["version"], expected["label"])
                or not _same_instant(record["last_visited_at"], facts["last_visited_at"])
                or record["last_outcome"] != facts["last_outcome"]
                or set(record["services_done"]) != facts["services_done"]
            ):
                pull_problems.append(f"phone {phone.index}: {record} ≠ {expected} {facts}")
        followups = {(f["household"], f["service"]) for f in pages[-1]["followups"]}
        wanted = {(h, s) for h in team_households[phone.team] for s in open_by_household.get(h, ())}
        if followups != wanted:
            pull_problems.append(f"phone {phone.index}: follow-ups {len(followups)} ≠ {len(wanted)}")
        if any(page["removed"] for page in pages):
            pull_problems.append(f"phone {phone.index}: removed households on a first pull")
    assert not pull_problems, pull_problems[:10]


def test_a_batch_racing_its_reordered_resend_is_stored_once(gunicorn):
    """A phone that gave up waiting resends its queue, rebuilt in another order, while the first send is
    still being stored: both answers are 200, each item is stored once, and whichever send stored it
    says ``created`` while the other says ``duplicate``. Nothing in the batch exists beforehand, so the
    two sends meet only at the rows they insert."""
    team = field_teams(teams=1, phones_per_team=1)[0]
    entry = team.phones[0]
    phone = Phone(
        index=0, token=entry["token"], device_id=entry["device_id"], villages=team.villages, team=0, seed=SEED
    )
    rng = random.Random(SEED)
    problems = []
    for round_number in range(5):
        payload = phone.big_batch(households=40, visits_each=1, sessions=10)
        answers = {}

        def send(name, body, answers=answers):
            answers[name] = wire.push(gunicorn.port, phone.token, body)

        twins = [
            threading.Thread(target=send, args=("first", payload)),
            threading.Thread(target=send, args=("reordered", reordered(payload, rng))),
        ]
        for thread in twins:
            thread.start()
        for thread in twins:
            thread.join()
        for name, answer in answers.items():
            if answer.status != 200:
                problems.append(f"round {round_number} {name}: HTTP {answer.status} {answer.body[:200]!r}")
        if any(answer.status != 200 for answer in answers.values()):
            continue
        first = {r["id"]: r["status"] for r in answers["first"].json()["results"]}
        for result in answers["reordered"].json()["results"]:
            if sorted([first[result["id"]], result["status"]]) != ["created", "duplicate"]:
                problems.append(
                    f"round {round_number}: {result['id']} answered {first[result['id']]} and {result['status']}"
                )
    assert not problems, f"{len(problems)} problems, first: {problems[:10]}\n{gunicorn.log_tail(30)}"
    assert {str(h) for h in Household.objects.values_list("id", flat=True)} == set(phone.ledger.households)
    assert {str(v) for v in Visit.objects.values_list("id", flat=True)} == set(phone.ledger.visits)
    assert {str(s) for s in GroupSession.objects.values_list("id", flat=True)} == set(phone.ledger.sessions)
