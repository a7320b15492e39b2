"""Simulated phones: what each records offline, batch by batch, and what the server must end up holding.

Everything is drawn from a seeded random generator, so a run is the same run every time. The expected
end state (``Ledger``) is computed here, in plain Python, independently of the product's code.
"""

import datetime as dt
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

SERVICES = [
    "vneid_level2",
    "public_service_account",
    "online_procedure",
    "cashless_payment",
    "online_safety",
    "digital_signature",
]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class Ledger:
    """What was sent, by id: the server must store exactly this, once."""

    households: dict = field(default_factory=dict)  # id → {"village", "label", "version", "team"}
    visits: dict = field(default_factory=dict)  # id → {"household", "visited_at", "outcome", "help"}
    sessions: dict = field(default_factory=dict)  # id → village

    def merge(self, other: "Ledger") -> None:
        self.households.update(other.households)
        self.visits.update(other.visits)
        self.sessions.update(other.sessions)

    @property
    def help_items(self) -> int:
        return sum(len(v["help"]) for v in self.visits.values())

    def household_truth(self) -> dict:
        """Per household: last visit (time, outcome) and services done, as pull must show them."""
        truth = {
            hid: {"last_visited_at": None, "last_outcome": None, "services_done": set()}
            for hid in self.households
        }
        for visit in sorted(self.visits.values(), key=lambda v: v["visited_at"]):
            entry = truth[visit["household"]]
            entry["last_visited_at"], entry["last_outcome"] = visit["visited_at"], visit["outcome"]
            entry["services_done"] |= {h["service"] for h in visit["help"] if h["result"] == "done"}
        return truth

    def open_followups(self) -> set:
        """The (household, service) pairs with a follow-up still open, in visit-time order: ``pending``
        opens one unless one is open, ``done`` closes it."""
        open_now = set()
        for visit in sorted(self.visits.values(), key=lambda v: v["visited_at"]):
            for item in visit["help"]:
                key = (visit["household"], item["service"])
                if item["result"] == "pending":
                    open_now.add(key)
                elif item["result"] == "done":
                    open_now.discard(key)
        return open_now


class Phone:
    """One volunteer's phone: every batch adds households, visits them, sometimes edits one it made in
    the previous batch, and now and then records a class at the village hall."""

    def __init__(self, *, index: int, token: str, device_id: str, villages: list[str], team: int, seed: int):
        self.index = index
        self.token = token
        self.device_id = device_id
        self.villages = villages
        self.team = team
        self.rng = random.Random(seed * 1_000_003 + index)
        self.ledger = Ledger()
        # Visits go back from two days ago, 7 minutes apart: all in the past, in order, never flagged
        # as too close in time.
        self.clock = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=2)
        self.known: list[dict] = []  # households stored by earlier batches
        self.previous_batch: list[dict] = []

    def _household(self) -> dict:
        consent = self.rng.random() < 0.5
        item = {
            "id": _uuid(self.rng),
            "village": self.rng.choice(self.villages),
            "label": f"Nhà số {self.rng.randint(1, 999)}, ngõ {self.rng.randint(1, 99)}",
            "head_name": "Nguyễn Thị Hoa" if consent else "",
            "phone": f"09{self.rng.randint(10_000_000, 99_999_999)}" if consent else "",
            "members": self.rng.randint(2, 7),
            "working_age": 1,
            "lat": round(15.12 + self.rng.random() / 100, 6),
            "lon": round(108.80 + self.rng.random() / 100, 6),
            "consent": consent,
            "base_version": None,
        }
        self.ledger.households[item["id"]] = {
            "village": item["village"],
            "label": item["label"],
            "version": 1,
            "team": self.team,
        }
        return item

    def _visit(self, household: dict) -> dict:
        self.clock += dt.timedelta(minutes=7)
        outcome = self.rng.choices(["met", "not_home", "come_back"], weights=[6, 2, 1])[0]
        help_items = []
        if outcome == "met":
            for service in self.rng.sample(SERVICES, self.rng.randint(1, 3)):
                result = self.rng.choices(["done", "pending", "failed"], weights=[4, 3, 1])[0]
                help_items.append({"service": service, "result": result, "people": self.rng.randint(1, 4)})
        item = {
            "id": _uuid(self.rng),
            "household": household["id"],
            "visited_at": self.clock.astimezone(dt.timezone(dt.timedelta(hours=7))).isoformat(),
            "lat": household["lat"],
            "lon": household["lon"],
            "accuracy_m": self.rng.randint(3, 30),
            "outcome": outcome,
            "help": help_items,
            "notes": self.rng.choice(["", "Hẹn chiều mai quay lại", "Bà cụ nhờ cài VNeID cho con"]),
        }
        self.ledger.visits[item["id"]] = {
            "household": household["id"],
            "visited_at": self.clock,
            "outcome": outcome,
            "help": help_items,
        }
        return item

    def batch(self, number: int) -> dict:
        """The next batch the phone sends. Batches are sent in order (a phone syncs its queue in order)."""
        households = [self._household() for _i in range(2)]
        if self.previous_batch and self.rng.random() < 0.4:
            # An edit of a household stored by the previous batch, from the version the phone saw.
            edited = dict(self.rng.choice(self.previous_batch))
            edited.update(label=edited["label"] + " (sửa)", base_version=1)
            self.ledger.households[edited["id"]].update(label=edited["label"], version=2)
            households.append(edited)
            # The phone's own copy now carries the edit (a later edit would start from version 2).
            self.previous_batch = []
        fresh = [h for h in households if h["base_version"] is None]
        again = [self.rng.choice(self.known) for _i in range(2)] if self.known else []
        visits = [self._visit(target) for target in fresh + again]
        self.previous_batch = fresh
        self.known.extend(fresh)
        payload = {"device_id": self.device_id, "households": households, "visits": visits}
        if number % 4 == 3:
            payload["group_sessions"] = [self._session()]
        return payload

    def _session(self) -> dict:
        self.clock += dt.timedelta(minutes=7)
        session = {
            "id": _uuid(self.rng),
            "village": self.rng.choice(self.villages),
            "held_at": self.clock.isoformat(),
            "services": self.rng.sample(SERVICES, 2),
            "attendees": self.rng.randint(5, 60),
            "lat": 15.125,
            "lon": 108.805,
        }
        self.ledger.sessions[session["id"]] = session["village"]
        return session

    def big_batch(self, *, households: int, visits_each: int, sessions: int) -> dict:
        """One full batch (the API's limit is 500 items), as a phone back from a week offline sends."""
        fresh = [self._household() for _i in range(households)]
        visits = [self._visit(household) for household in fresh for _k in range(visits_each)]
        return {
            "device_id": self.device_id,
            "households": fresh,
            "visits": visits,
            "group_sessions": [self._session() for _i in range(sessions)],
        }


def reordered(payload: dict, rng: random.Random) -> dict:
    """The same batch with its items in another order (a phone rebuilding its queue)."""
    copy = {key: list(value) if isinstance(value, list) else value for key, value in payload.items()}
    for key in ("households", "visits", "group_sessions"):
        if key in copy:
            rng.shuffle(copy[key])
    return copy


def teams_truth(ledger: Ledger) -> dict:
    by_team = defaultdict(set)
    for hid, household in ledger.households.items():
        by_team[household["team"]].add(hid)
    return by_team
