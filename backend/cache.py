"""The Redis cache as an optimisation, never a dependency.

Token lookups, throttles and map pages read the cache on every request. If Redis is unreachable they must
fall back to the database (a miss), not answer 500 and not hang. django-redis with ``IGNORE_EXCEPTIONS``
turns every failure into a miss (``get`` answers the default, writes do nothing) and short socket
timeouts bound each try. Two things it lacks are added here:

- an unreachable Redis is logged once per outage (failures less than a minute apart), not once per
  call: a busy web process would otherwise write a traceback per request;
- after a failure the process stops trying Redis for ``RETRY_AFTER_SECONDS``: a Redis host that drops
  packets costs one connect timeout per window instead of one per cache call.

The state is per process and per cache location (Django makes one backend object per thread).
"""

import logging
import sys
import threading
import time

from django_redis.cache import RedisCache
from django_redis.client import DefaultClient
from django_redis.exceptions import ConnectionInterrupted

logger = logging.getLogger(__name__)
# Failures closer together than this belong to one outage, logged once.
OUTAGE_GAP_SECONDS = 60


class Outage:
    """When this process last failed to reach one Redis location, and whether to try it again yet."""

    _all: dict[str, "Outage"] = {}
    _lock = threading.Lock()

    def __init__(self, location: str, retry_after: float):
        self.location = location
        self.retry_after = retry_after
        self.failed_at: float | None = None

    @classmethod
    def of(cls, location: str, retry_after: float) -> "Outage":
        with cls._lock:
            return cls._all.setdefault(location, cls(location, retry_after))

    def skipping(self) -> bool:
        failed_at = self.failed_at
        return failed_at is not None and time.monotonic() - failed_at < self.retry_after

    # django-redis calls ``logger.exception`` inside its except block for each ignored failure.
    def exception(self, *_args, **_kwargs) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionInterrupted) and error.connection is None:
            return  # we skipped Redis ourselves: nothing new to record
        now = time.monotonic()
        new_outage = self.failed_at is None or now - self.failed_at > OUTAGE_GAP_SECONDS
        self.failed_at = now
        if new_outage:
            # The error text names the host and the failure, never a key or a value.
            logger.warning("Redis cache unreachable, serving without it: %s", error)


class DegradingRedisClient(DefaultClient):
    """Every cache operation asks for a connection here first: while Redis is being skipped, fail fast."""

    def _check(self) -> None:
        if self._backend.outage.skipping():
            raise ConnectionInterrupted(connection=None)

    def get_client(self, *args, **kwargs):
        self._check()
        return super().get_client(*args, **kwargs)

    def get_client_with_index(self, *args, **kwargs):
        self._check()
        return super().get_client_with_index(*args, **kwargs)


class DegradingRedisCache(RedisCache):
    """django-redis that degrades to misses when Redis is away. OPTIONS as django-redis, plus
    ``RETRY_AFTER_SECONDS`` (default 5)."""

    def __init__(self, server: str, params: dict):
        options = dict(params.get("OPTIONS", {}))
        retry_after = float(options.pop("RETRY_AFTER_SECONDS", 5))
        options.setdefault("CLIENT_CLASS", "backend.cache.DegradingRedisClient")
        options["IGNORE_EXCEPTIONS"] = True
        super().__init__(server, {**params, "OPTIONS": options})
        self.outage = Outage.of(server, retry_after)
        self._log_ignored_exceptions = True
        self.logger = self.outage
