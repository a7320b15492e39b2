"""A province's real boundaries loaded from the repository's fixtures/ (target: ≤ 10 s).

Run by hand (not part of the tests):

    uv run python bench/boundaries.py                    # PostgreSQL, the heaviest provinces
    uv run python bench/boundaries.py --sqlite           # the embedded default `make run` uses
    uv run python bench/boundaries.py --province 68 --province 52
    uv run python bench/boundaries.py --all              # every province

For each province, in a database holding only its units: the outline and the communes, each through
`import_boundaries --level L --province P` in this process (reading the national zipped file
included), then `manage.py import_boundaries --province P` as `make run` runs it, in its own process
(Django's start-up included), over the boundaries now present. Prints seconds per step and the worst.
"""

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# By vertices in fixtures/vn_communes_2025.geojson.zip: Lâm Đồng (124 communes, 27.6 k vertices), Gia
# Lai (135, 27.3 k); Hồ Chí Minh has the most communes (168).
HEAVIEST = ["68", "52", "79"]


def _setup(sqlite: bool) -> None:
    import django

    os.chdir(ROOT)
    if sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench-boundaries.sqlite3"
    else:
        from bench.bigdata import ensure_database

        ensure_database("cnscd_bench_boundaries")
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/cnscd_bench_boundaries"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")
    os.environ["DJANGO_DEBUG"] = "false"
    django.setup()


def _timed(*args: str) -> tuple[float, float]:
    """Wall and CPU seconds of one command (CPU shows the cost when the machine is shared)."""
    from django.core.management import call_command

    began, cpu = time.perf_counter(), time.process_time()
    call_command(*args, verbosity=0, stdout=io.StringIO())
    return time.perf_counter() - began, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--province", action="append", help="province code (repeatable)")
    parser.add_argument("--all", action="store_true", help="every province")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    options = parser.parse_args()
    _setup(options.sqlite)

    import geopandas as gpd
    from django.core.management import call_command

    from core.models import Commune, Province
    from core.services.boundaries import official_boundaries_path

    call_command("migrate", verbosity=0)
    provinces = options.province or HEAVIEST
    if options.all:
        provinces = sorted(gpd.read_file(official_boundaries_path("province"), columns=["code"])["code"])
    print(f"database: {'SQLite' if options.sqlite else 'PostgreSQL'}")
    print("province  communes  outline s  communes s  total s  (cpu s)  command s")
    worst = worst_command = 0.0
    for code in provinces:
        Commune.objects.all().delete()
        Province.objects.all().delete()
        call_command("import_units", "--province", code, verbosity=0, stdout=io.StringIO())
        outline = _timed("import_boundaries", "--level", "province", "--province", code)
        communes = _timed("import_boundaries", "--level", "commune", "--province", code)
        began = time.perf_counter()
        subprocess.run(  # noqa: S603 - our interpreter running our own command
            [sys.executable, "manage.py", "import_boundaries", "--province", code],
            check=True,
            capture_output=True,
        )
        command = time.perf_counter() - began
        loaded = Commune.objects.filter(province_id=code, geometry__isnull=False).count()
        total, cpu = outline[0] + communes[0], outline[1] + communes[1]
        worst = max(worst, total)
        print(
            f"{code:>8}  {loaded:>8}  {outline[0]:>9.2f}  {communes[0]:>10.2f}  {total:>7.2f}  ({cpu:>5.2f})"
            f"  {command:>9.2f}"
        )
        worst_command = max(worst_command, command)
    print(
        f"worst province load: {worst:.2f} s in process, {worst_command:.2f} s as a command (target ≤ 10 s)"
    )


if __name__ == "__main__":
    main()
