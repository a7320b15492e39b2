"""A members sheet of 20,000 rows through the browser's path: read, checked (preview), stored (import).
Targets: preview ≤ 5 s, import ≤ 20 s for 10,000 rows; a 20,000-row sheet within twice that.

Run by hand (not part of the tests). Two ways:

    uv run python bench/imports.py                       # PostgreSQL, in this process: 20,000 rows into cnscd_imp
    uv run python bench/imports.py --rows 2000 --database cnscd_bench_imports
    uv run python bench/imports.py --embedded            # the embedded default, over HTTP (below)

``--embedded`` runs the product as ``make run`` does (a fresh SQLite file, no broker: the tasks run in a
thread of the server process), starts ``manage.py runserver``, signs in as the province's officer and
goes through the pages as a browser would: upload, mapping, the check, confirm, the import, polling the
status URL every second as the progress bar does (onboarding/static/onboarding/progress.js). It prints
the times and every progress value the bar would have shown, so a bar stuck at 0 % is seen.

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
    # Timed in this process: the outbox runs the jobs inline, not on its thread beside this one (which
    # would deliver the store twice, once there and once by the direct call below).
    os.environ["OUTBOX_BACKGROUND_TASKS"] = "none"
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
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database", default="cnscd_imp")
    parser.add_argument("--embedded", action="store_true", help="SQLite and no broker, through the pages")
    parser.add_argument("--port", type=int, default=8791)
    options = parser.parse_args()
    if options.embedded:
        _embedded(rows=options.rows, port=options.port)
    else:
        _postgres(rows=options.rows, database=options.database)


def _postgres(*, rows: int, database: str) -> None:
    _setup(database)

    from django.db import transaction

    from core.models import User
    from onboarding import jobs, tasks
    from onboarding.models import ImportJob
    from onboarding.sheets import read_sheet

    data = _bench_data(rows=rows)
    officer = User.objects.get(username="tinh-51")
    print(f"sheet: {rows} rows, {len(data) / 1e6:.1f} MB xlsx")

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


def _bench_data(*, rows: int) -> bytes:
    """Quảng Ngãi's units, ten villages in each of 50 communes, the officer; the sheet for them."""
    from django.core.management import call_command

    from core.models import Commune, Role, User, Village

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
    officer.set_password(BENCH_PASSWORD)
    officer.save()
    return _sheet(rows, communes)


BENCH_PASSWORD = "bench-imports-51"
POLL_SECONDS = float(os.environ.get("BENCH_POLL_SECONDS", "1"))  # as the page polls; times to the poll


def _poll(session, url: str, *, until: set[str], seen: list[tuple[float, str, int]], began: float) -> str:
    while True:
        state = session.get(url, timeout=30).json()
        seen.append((time.perf_counter() - began, state["status"], state["progress"]))
        if state["status"] in until:
            return state["status"]
        if time.perf_counter() - began > 1800:
            raise SystemExit(f"no end after 30 minutes: {state}")
        time.sleep(POLL_SECONDS)


def _bar(seen: list[tuple[float, str, int]]) -> str:
    values: list[int] = []
    for _at, _status, progress in seen:
        if not values or values[-1] != progress:
            values.append(progress)
    return f"{len(values)} distinct values: " + " → ".join(f"{value} %" for value in values)


def _embedded(*, rows: int, port: int) -> None:
    import subprocess
    import tempfile

    import django
    import requests

    os.chdir(ROOT)
    folder = Path(tempfile.mkdtemp(prefix="bench-imports-"))
    os.environ.update(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        DJANGO_SETTINGS_MODULE="backend.settings.base",
        DJANGO_DEBUG="false",
        CELERY_BROKER_URL="",
        MEDIA_ROOT=str(folder / "media"),
    )
    django.setup()
    data = _bench_data(rows=rows)
    print(
        f"embedded default (SQLite {folder / 'db.sqlite3'}, no broker); sheet: {rows} rows, {len(data) / 1e6:.1f} MB"
    )
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        session = requests.Session()
        for _attempt in range(100):
            try:
                session.get(f"{base}/accounts/login/", timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        login = session.post(
            f"{base}/accounts/login/",
            data={
                "username": "tinh-51",
                "password": BENCH_PASSWORD,
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            headers={"Referer": f"{base}/accounts/login/"},
            allow_redirects=False,
        )
        assert login.status_code == 302, f"sign-in: {login.status_code}"
        csrf = {"X-CSRFToken": session.cookies["csrftoken"], "Referer": f"{base}/setup/"}

        began = time.perf_counter()
        upload = session.post(
            f"{base}/setup/imports/members/new/",
            files={"file": ("thanh-vien.xlsx", data)},
            headers=csrf,
            allow_redirects=False,
        )
        assert upload.status_code == 302, f"upload: {upload.status_code}"
        job_url = base + upload.headers["Location"]
        uploaded = time.perf_counter() - began

        from onboarding.models import ImportJob

        job = ImportJob.objects.get(pk=job_url.rstrip("/").rsplit("/", 1)[1])
        mapping = {f"column-{index}": name for index, name in job.mapping.items()}
        checking: list[tuple[float, str, int]] = []
        began = time.perf_counter()
        session.post(f"{job_url}mapping/", data=mapping, headers=csrf, allow_redirects=False)
        print(f"  mapping answered in {time.perf_counter() - began:.2f} s")
        status = _poll(session, f"{job_url}status/", until={"checked", "failed"}, seen=checking, began=began)
        checked = time.perf_counter() - began
        assert status == "checked", status
        job.refresh_from_db()
        print(f"upload (read): {uploaded:.2f} s; check: {checked:.2f} s — {job.preview['counts']}")
        print(f"  progress while checking ({len(checking)} polls): {_bar(checking)}")

        importing: list[tuple[float, str, int]] = []
        began = time.perf_counter()
        confirm = session.post(f"{job_url}confirm/", headers=csrf, allow_redirects=False)
        assert confirm.status_code == 302, f"confirm: {confirm.status_code}"
        print(f"  confirm answered in {time.perf_counter() - began:.2f} s")
        status = _poll(session, f"{job_url}status/", until={"done", "failed"}, seen=importing, began=began)
        stored = time.perf_counter() - began
        assert status == "done", status
        print(f"import (store): {stored:.2f} s")
        print(f"  progress while importing ({len(importing)} polls): {_bar(importing)}")
        page = session.get(job_url, timeout=30)
        print(f"job page after: HTTP {page.status_code}, {len(page.content) / 1e3:.0f} KB")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
