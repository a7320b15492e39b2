"""Issue 19 §2: a one-time secret is never spent before the answer carrying it is built.

The passwords file of an import is marked downloaded in the same transaction that builds it, after it is
built: a build that fails (here: the writer raising, as a control character once made it) leaves the
passwords downloadable, and the next try gets them; only a delivered file spends them. Names that look
like formulas or carry control characters come out as text.
"""

import csv
import io

import pytest
from openpyxl import load_workbook

import onboarding.views
from backend.spreadsheets import FORMULA_START
from backend.text import has_unsafe_characters
from core.models import Role, User
from onboarding.models import ImportJob
from tests import factories
from tests.onboarding.sheets import GOOD_MEMBERS, MEMBER_HEADER, area, members_workbook
from tests.onboarding.test_import_pages import _job, _upload

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = ['=HYPERLINK("http://x.invalid","Lan")', "\x07Trần\x1b Văn\u202e Hùng", "@SUM(A1)", "-Mai"]


@pytest.fixture
def leader_client(client):
    leader = factories.UserFactory(username="xa-21025", role=Role.COMMUNE_LEADER, commune=area())
    client.force_login(leader)
    return client


def _imported(client, data, django_capture_on_commit_callbacks, name="ds.xlsx") -> ImportJob:
    job = _job(_upload(client, data, name=name))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/setup/imports/{job.pk}/mapping/", {f"column-{i}": n for i, n in job.mapping.items()})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/setup/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    return job


def test_a_failed_build_leaves_the_passwords_downloadable(
    leader_client, monkeypatch, django_capture_on_commit_callbacks
):
    job = _imported(leader_client, members_workbook(GOOD_MEMBERS), django_capture_on_commit_callbacks)
    url = f"/setup/imports/{job.pk}/passwords.xlsx"

    def broken(rows):
        raise ValueError("the writer failed")

    monkeypatch.setattr(onboarding.views, "passwords_xlsx", broken)
    leader_client.raise_request_exception = False
    assert leader_client.get(url).status_code == 500
    job.refresh_from_db()
    assert job.passwords_downloaded_at is None and len(job.new_members) == 4

    monkeypatch.undo()
    download = leader_client.get(url)
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.content)).active.values)[1:]
    assert {row[0] for row in rows} == {"lan.nt", "hung.tv", "mai.lt", "bao.pq"}
    assert User.objects.get(username="lan.nt").check_password({r[0]: r[2] for r in rows}["lan.nt"])
    job.refresh_from_db()
    assert job.passwords_downloaded_at is not None and job.new_members == []
    assert leader_client.get(url).status_code in (404, 410)


def test_hostile_names_come_out_as_text(leader_client, django_capture_on_commit_callbacks):
    # CSV: openpyxl itself refuses to write control characters into the uploaded sheet.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(MEMBER_HEADER)
    for name, row in zip(HOSTILE_NAMES, GOOD_MEMBERS, strict=True):
        writer.writerow([row[0], name, *row[2:]])
    data = buffer.getvalue().encode("utf-8")
    job = _imported(leader_client, data, django_capture_on_commit_callbacks, name="ds.csv")
    for user in User.objects.filter(role__in=[Role.VOLUNTEER, Role.TEAM_LEADER]).exclude(full_name=""):
        assert not has_unsafe_characters(user.full_name)
    download = leader_client.get(f"/setup/imports/{job.pk}/passwords.xlsx")
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.content))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    names = [row[1] for row in book.active.values][1:]
    assert '\'=HYPERLINK("http://x.invalid","Lan")' in names and "Trần Văn Hùng" in names
    assert not any(name.startswith(FORMULA_START) for name in names)
