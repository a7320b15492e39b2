"""What counts: the one rule every rollup, page, export and feed applies to visits.

- A household is **reached** when a visit met someone (``met``, with or without help). Attempts
  (not home, come back, refused) make it **tried**, counted apart; a household reached is never also
  tried. Coverage is reached / households.
- Integrity flags (``core.services.integrity``) come in two strengths. A visit with a **strong** flag
  (dated in the future, very far from the household, outside the commune, mocked location, too close
  in time to another door) is **held**: out of every total until its commune's leader confirms it. A
  rejected one stays held for good. **Weak** flags (no GPS, no accuracy, somewhat far, sent late)
  are counted and listed for review.
- A visit dated in the future cannot be confirmed before its own time: it counts from then on, never
  before.

The stored ``Visit.held`` column carries the verdict, so every query filters on one indexed-free
boolean (``counted_visits``) instead of re-reading flags; ``visit_held`` is what sets it.
"""

from collections.abc import Iterable

from django.db.models import Q

from core.models import Outcome, Review
from core.services import integrity

REACHING_OUTCOMES = frozenset({Outcome.MET})
TRYING_OUTCOMES = frozenset({Outcome.NOT_HOME, Outcome.COME_BACK, Outcome.REFUSED})

STRONG_FLAGS = frozenset(
    {
        integrity.TIME_IN_FUTURE,
        integrity.VERY_FAR_FROM_HOUSEHOLD,
        integrity.OUTSIDE_COMMUNE,
        integrity.GPS_MOCK_SUSPECTED,
        integrity.TOO_CLOSE_IN_TIME,
    }
)
WEAK_FLAGS = frozenset(integrity.FLAG_DESCRIPTIONS) - STRONG_FLAGS


def strong_flags(flags: Iterable[str]) -> list[str]:
    return [flag for flag in flags if flag in STRONG_FLAGS]


def visit_held(*, flags: Iterable[str], review: str = Review.NONE) -> bool:
    """Whether a visit is out of every total: a strong flag not (yet) confirmed by its leader."""
    if review == Review.CONFIRMED:
        return False
    return review == Review.REJECTED or bool(strong_flags(flags))


def visit_reaches(outcome: str) -> bool:
    return outcome in REACHING_OUTCOMES


def counted_visits(prefix: str = "") -> Q:
    """The visits that count, as a condition on Visit (``prefix`` e.g. ``"visit__"`` from a help item)."""
    return Q(**{f"{prefix}held": False})


def reaching_visits(prefix: str = "") -> Q:
    """The counted visits that reached their household."""
    return counted_visits(prefix) & Q(**{f"{prefix}outcome__in": sorted(REACHING_OUTCOMES)})
