"""The date a test means.

The product has rules that move with the clock: visit times accepted from 2020 to 30 days ahead, "in the
future" and "long before the push" flags, follow-ups due and overdue, campaign windows, token expiry, the
demo's running campaign. A test therefore states its date in one of two ways:

- relative to the one "now" it runs at (``timezone.now()`` / ``timezone.localdate()`` plus or minus days),
  when the calendar date itself does not matter;
- as fixed dates, with the clock frozen to match: ``pytestmark = pytest.mark.time_machine(TEST_NOW)`` on the
  module (or the test), when the test writes dates it reads back (05/11/2026 shown day first, a campaign of
  5 November – 4 December with visits "today").

``make test`` runs the SQLite pass with the whole clock more than a year ahead (faketime), so a test that
mixes a fixed date with the real today fails there, not on the day the calendar gets past it.

The frozen clock ticks (``tick=True``, time-machine's default): timeouts and polling still see time pass. It
moves this process only; Chromium and a real Celery worker keep the machine's clock, so browser journeys
that stamp times on the phone, and tests with a real worker, stay relative to now instead.
"""

import datetime as dt
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

# Mid-campaign in the examples of the API contract: 20 November 2026, 10:00 in Vietnam.
TEST_NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=VIETNAM)
