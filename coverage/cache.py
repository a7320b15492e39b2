"""Caching keyed by a data version, so a stale page can never be served as fresh.

Each province and commune has a version number in the cache. A rendered page or GeoJSON is stored
under a key that includes the version it was computed from. After a push, the rollup is refreshed
first and the versions bumped after (coverage.tasks), so any page read under the new version was
computed from the new numbers; pages under the old version are simply never asked for again.
"""

from collections.abc import Callable

from django.core.cache import cache

PAGE_SECONDS = 24 * 3600
# Part of every key: bump when what is cached changes shape, so a deploy never serves old pages
# (2: tooltips and popups from text nodes, scripts without a nonce until served; 3: in the shell, percent
# legend, villages without a boundary drawn from their households, language in the flavour; 4: the legend
# folds on phones; 5: what a map shows in a data block, never through folium's templates, so no page
# rendered before, with stored text evaluated in it, is served again).
PAGE_FORMAT = 5


def _version_key(level: str, code: str) -> str:
    return f"maps:version:{level}:{code}"


def data_version(*, level: str, code: str) -> int:
    version = cache.get(_version_key(level, code))
    if version is None:
        cache.add(_version_key(level, code), 1, None)
        version = cache.get(_version_key(level, code), 1)
    return version


def bump_versions(*, communes: set[str], provinces: set[str]) -> None:
    for level, codes in (
        ("commune", communes),
        ("province", provinces),
        ("national", {"all"} if provinces else set()),
    ):
        for code in codes:
            key = _version_key(level, code)
            try:
                cache.incr(key)
            except ValueError:  # never set yet: any value differs from what pages were built under
                cache.set(key, 2, None)


def cached(*, level: str, code: str, flavour: str, build: Callable[[], object]):
    """The cached value for (level, code, flavour) at the current data version, building it if absent."""
    key = f"maps:page{PAGE_FORMAT}:{level}:{code}:{flavour}:v{data_version(level=level, code=code)}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, PAGE_SECONDS)
    return value


def is_cached(*, level: str, code: str, flavour: str) -> bool:
    return (
        cache.get(f"maps:page{PAGE_FORMAT}:{level}:{code}:{flavour}:v{data_version(level=level, code=code)}")
        is not None
    )
