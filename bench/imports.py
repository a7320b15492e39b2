"""A members sheet of 10,000 rows through the browser's path: read, checked (preview), stored (import).
Targets: preview ≤ 5 s, import ≤ 20 s.

Run by hand (not part of the tests), against PostgreSQL (the database is dropped and made again):

    uv run python bench/imports.py                       # 10,000 rows into cnscd_imp
    uv run python bench/imports.py --rows 2000 --database cnscd_bench_imports

The sheet is an XLSX as a commune keeps it (a merged title, Vietnamese headers, phones stored as
numbers, a citizen ID column, commune names without "Xã"), for 50 communes of Quảng Ngãi (51) with ten
villages each. Timed as the import jobs run them (onboarding.tasks, in this process): reading the
upload, the check task (preview), the import task (every member created with a one-time password
hashed by the production hasher list, audit entries, teams, village assignments). Prints seconds.
"""

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Minh", "Quốc", "Ngọc", "Thanh", "Hữu", "Đức"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Nam", "Oanh", "Phúc", "Quân", "Tâm", "Vy"]


def _setup(database: str) -> None:
    import django
    import psycopg

    os.chdir(ROOT)
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["CELERY_BROKER_URL"] = ""
    django.setup()


def _sheet(rows: int, communes: list) -> bytes:
    from openpyxl import Workbook

    random.seed(1)
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.append(["DANH SÁCH THÀNH VIÊN TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG TỈNH QUẢNG NGÃI"])
    sheet.merge_cells("A1:H1")
    sheet.append([])
    sheet.append(["STT", "Họ và tên", "Số CCCD", "SĐT", "Chức vụ", "Xã", "Thôn", "Tổ CNSCĐ"])
    for number in range(1, rows + 1):
        commune = communes[number % len(communes)]
        village = 1 + (number // len(communes)) % 10
        name = f"{random.choice(FAMILY)} {random.choice(MIDDLE)} {random.choice(GIVEN)}"
        sheet.append(
            [
                number,
                name,
                f"0512{number:08d}",
                900_000_000 + number,  # a phone the spreadsheet stored as a number
                "Tổ trưởng" if number % 8 == 0 else "Thành viên",
                commune.name,
                f"Thôn {village}",
                f"Tổ CNSCĐ thôn {village}",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database", default="cnscd_imp")
    options = parser.parse_args()
    _setup(options.database)

    from django.core.management import call_command
    from django.db import transaction

    from core.models import Commune, Role, User, Village
    from onboarding import jobs, tasks
    from onboarding.models import ImportJob
    from onboarding.sheets import read_sheet

    call_command("migrate", verbosity=0)
    call_command("import_units", "--province", "51", verbosity=0)
    communes = list(Commune.objects.filter(province_id="51").order_by("code")[:50])
    # Names that are unique in the province (a few repeat across it: those need a code).
    Village.objects.bulk_create(
        [
            Village(code=f"{c.code}-{n:02d}", commune=c, name=f"Thôn {n}")
            for c in communes
            for n in range(1, 11)
        ]
    )
    officer = User.objects.create(username="tinh-51", role=Role.PROVINCE_OFFICER, province_id="51")
    data = _sheet(options.rows, communes)
    print(f"sheet: {options.rows} rows, {len(data) / 1e6:.1f} MB xlsx")

    began = time.perf_counter()
    sheet = read_sheet(data=data, filename="thanh-vien.xlsx")
    job = jobs.import_job_create(user=officer, kind="members", file_name="thanh-vien.xlsx", sheet=sheet)
    read = time.perf_counter() - began
    # As the page does: the status changes and the task's message goes through the outbox, which on the
    # embedded default (no broker) runs the task in-process right after commit.
    began = time.perf_counter()
    with transaction.atomic():
        jobs.import_job_check(job=job)
    tasks.check_sheet(str(job.pk))  # a no-op when the outbox already ran it
    check = time.perf_counter() - began
    job.refresh_from_db()
    counts = job.preview["counts"]
    print(
        f"read upload: {read:.2f} s; check: {check:.2f} s; preview total {read + check:.2f} s "
        f"(target ≤ 5 s) — {counts}"
    )
    assert counts["errors"] == 0, [r for r in job.preview["rows"] if r["errors"]][:3]
    began = time.perf_counter()
    with transaction.atomic():
        jobs.import_job_confirm(job=job, secret="bench")
    tasks.import_sheet(str(job.pk), "bench")
    stored = time.perf_counter() - began
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.problems[:3]
    print(f"import (store): {stored:.2f} s (target ≤ 20 s) — {job.report}")
    print(f"members now: {User.objects.filter(province_id='51').count()}")


if __name__ == "__main__":
    main()
