"""Browser pages to bring in sheets of members and villages (issue 12). Thin: parse the upload, call
``onboarding.jobs``; a job is its uploader's alone (404 for anyone else), and only people who manage
people (``scope.manages_people``) reach these pages at all."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from backend.middleware import body_limit
from backend.spreadsheets import XLSX_CONTENT_TYPE
from backend.text import search_key
from onboarding import jobs, selectors
from onboarding.exports import passwords_xlsx
from onboarding.models import ImportJob
from onboarding.services import TITLES
from onboarding.sheets import FIELDS, MAX_UPLOAD_BYTES, SheetError, field_label, read_sheet

PREVIEW_OK_ROWS = 200
FORM_OVERHEAD = 64 * 1024  # multipart boundaries, the CSRF token, the file name


def declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _manager(request):
    if not request.user.scope.manages_people:
        raise Http404
    return request.user.scope


def _job(request, pk) -> ImportJob:
    _manager(request)
    return jobs.import_job_expire(job=get_object_or_404(ImportJob, pk=pk, created_by=request.user))


def _job_overseen(request, pk) -> ImportJob:
    """A job of the caller's, or of someone they manage (a leader above in scope): the latter only sees
    its state and may cancel it."""
    scope = _manager(request)
    job = get_object_or_404(selectors.import_jobs_overseen(user=request.user, scope=scope), pk=pk)
    return jobs.import_job_expire(job=job)


@body_limit(MAX_UPLOAD_BYTES + FORM_OVERHEAD)
@login_required
def upload(request, kind: str):
    scope = _manager(request)
    if kind not in ImportJob.Kind.values:
        raise Http404
    jobs.import_jobs_purge()  # no beat on the embedded default: sheets past their keeping time go now
    error = ""
    status = 400
    sheet_names: list[str] = []
    chosen = request.POST.get("sheet", "")[:200] if request.method == "POST" else ""
    if request.method == "POST" and declared_length(request) > MAX_UPLOAD_BYTES + FORM_OVERHEAD:
        # Refused before the body is read: a huge upload is never spooled to disk.
        error, status = (
            _("Tệp quá lớn (tối đa %(size)d MB): hãy chia thành nhiều tệp.")
            % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)},
            413,
        )
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Hãy chọn một tệp .xlsx hoặc .csv.")
        elif upload.size > MAX_UPLOAD_BYTES:
            error = _("Tệp quá lớn (tối đa %(size)d MB): hãy chia thành nhiều tệp.") % {
                "size": MAX_UPLOAD_BYTES // (1024 * 1024)
            }
        else:
            try:
                sheet = read_sheet(data=upload.read(), filename=upload.name, kind=kind, sheet=chosen or None)
            except SheetError as problem:
                error, sheet_names = str(problem), problem.sheet_names
            else:
                job = jobs.import_job_create(user=request.user, kind=kind, file_name=upload.name, sheet=sheet)
                if replaced := request.POST.get("replaces", ""):  # another sheet of a job's file
                    jobs.import_job_abandon(user=request.user, job_id=replaced)
                return redirect("onboarding:import-job", pk=job.pk)
    recent = ImportJob.objects.filter(created_by=request.user, kind=kind)[:10]
    return render(
        request,
        "onboarding/upload.html",
        {
            "kind": kind,
            "kind_label": ImportJob.Kind(kind).label,
            "error": error,
            "sheet_names": sheet_names if len(sheet_names) > 1 else [],
            "chosen": chosen,
            "recent": recent,
            "scope": scope,
        },
        status=status if error else 200,
    )


def _columns(job: ImportJob) -> list[dict]:
    samples = [cells for _number, cells in job.rows[:3]]
    choices = [{"value": name, "label": field_label(name)} for name in FIELDS[job.kind]]
    return [
        {
            "index": index,
            "header": header,
            "field": job.mapping.get(str(index), ""),
            "samples": [cells[index] for cells in samples if index < len(cells) and cells[index]],
            "choices": choices,
        }
        for index, header in enumerate(job.headers)
    ]


@login_required
def job_page(request, pk):
    job = _job_overseen(request, pk)
    if job.created_by_id != request.user.pk:  # a leader above: the state and the cancel, not the rows
        return render(request, "onboarding/job_overseen.html", {"job": job})
    context = {
        "job": job,
        "columns": _columns(job),
        "progress": jobs.import_job_progress_of(job),
        "skipped": jobs.job_skipped(job),
    }
    if job.preview:
        rows = job.preview["rows"]
        bad = [row for row in rows if row["errors"]]
        asked = [row for row in rows if row.get("questions") and not row["errors"]]
        good = [row for row in rows if not row["errors"] and not row.get("questions")]
        fields = [
            name for name in FIELDS[job.kind] if name in job.preview["mapping"].values() or name == "username"
        ]
        if job.kind == ImportJob.Kind.VILLAGES:
            fields = [name for name in FIELDS[job.kind] if name != "username"]
        context.update(
            preview=job.preview,
            bad_rows=bad,
            asked_rows=_asked(asked, job.answers),
            good_rows=good[:PREVIEW_OK_ROWS],
            good_hidden=max(0, len(good) - PREVIEW_OK_ROWS),
            fields=[{"name": name, "label": field_label(name)} for name in fields],
            left_out_rows=_left_out(job),
            editable=job.status == ImportJob.Status.CHECKED,
        )
    context["passwords_ready"] = bool(job.new_members) and jobs.secret_cookie(job) in request.COOKIES
    context["retry"] = job.retryable
    return render(request, "onboarding/job.html", context)


def _left_out(job: ImportJob) -> list[dict]:
    """The rows the person unticked, with their values by field as the preview's rows have them."""
    mapping = jobs.job_mapping(job)
    return [
        {
            "number": number,
            "values": {name: cells[index] for index, name in mapping.items() if index < len(cells)},
        }
        for number, cells in jobs.job_left_out_rows(job)
    ]


def _row_numbers(values: list[str]) -> set[int]:
    return {int(value) for value in values if value.isdigit() and len(value) < 8}


def _asked(rows: list[dict], answers: dict) -> list[dict]:
    """The rows with questions, each question with its options and the answer given before (if any)."""
    return [
        {
            **row,
            "asked": [
                {
                    "field": name,
                    "label": field_label(name),
                    "text": question["text"],
                    "options": question["options"],
                    "given": answers.get(str(row["number"]), {}).get(name, ""),
                }
                for name, question in row["questions"].items()
            ],
        }
        for row in rows
    ]


@login_required
@require_POST
def job_answers(request, pk):
    """The person's answers to the preview's questions (``answer-<row>-<field>``) and the rows they left
    out (``row``: each row shown with a box, ``keep``: those ticked); the sheet is checked again with
    them. Only answers to questions the preview asked, among its options, are kept."""
    job = _job(request, pk)
    if job.status != ImportJob.Status.CHECKED or not job.preview:
        return redirect("onboarding:import-job", pk=job.pk)
    answers: dict[str, dict[str, str]] = {}
    for row in job.preview["rows"]:
        for name, question in row.get("questions", {}).items():
            value = request.POST.get(f"answer-{row['number']}-{name}", "")
            if value not in {option[0] for option in question["options"]}:
                continue
            if name == "role":  # a title means the same role on every row that writes it
                title = search_key(row["values"].get("role", ""))
                answers.setdefault(TITLES, {}).setdefault(title, value)
            else:
                answers.setdefault(str(row["number"]), {})[name] = value
    if shown := _row_numbers(request.POST.getlist("row")):
        kept = _row_numbers(request.POST.getlist("keep"))
        answers[jobs.LEFT_OUT] = jobs.left_out_after(job=job, shown=shown, kept=kept)
    jobs.import_job_check(job=job, answers=answers)
    return redirect("onboarding:import-job", pk=job.pk)


@login_required
@require_POST
def job_retry(request, pk):
    """A failed or cancelled job that still has its sheet: check it again (then the person confirms
    again)."""
    job = _job(request, pk)
    jobs.import_job_check(job=job)
    return redirect("onboarding:import-job", pk=job.pk)


@login_required
@require_POST
def job_cancel(request, pk):
    """Stop a job checking or importing: its uploader, or a leader above them. 409 when it had ended."""
    job = _job_overseen(request, pk)
    if not jobs.import_job_cancel(job=job):
        job.refresh_from_db()
        message = _("Không huỷ được: việc nhập đã kết thúc (%(status)s).") % {
            "status": job.get_status_display()
        }
        return render(request, "onboarding/job_overseen.html", {"job": job, "refused": message}, status=409)
    return redirect("onboarding:import-job", pk=job.pk)


@login_required
@require_POST
def job_mapping(request, pk):
    job = _job(request, pk)
    allowed = set(FIELDS[job.kind])
    mapping: dict[int, str] = {}
    for index in range(len(job.headers)):
        name = request.POST.get(f"column-{index}", "")
        if name and name in allowed and name not in mapping.values():
            mapping[index] = name
    jobs.import_job_check(job=job, mapping=mapping)
    return redirect("onboarding:import-job", pk=job.pk)


@never_cache  # sets the cookie holding the secret the passwords are derived from
@login_required
@require_POST
def job_confirm(request, pk):
    job = _job(request, pk)
    secret = jobs.new_secret()
    if not jobs.import_job_confirm(job=job, secret=secret):
        return render(
            request,
            "onboarding/job.html",
            {
                "job": job,
                "columns": _columns(job),
                "refused": _("Bảng còn lỗi, còn câu hỏi chưa trả lời, hoặc chưa kiểm tra xong."),
            },
            status=409,
        )
    response = redirect("onboarding:import-job", pk=job.pk)
    response.set_cookie(
        jobs.secret_cookie(job),
        secret,
        max_age=24 * 3600,
        path=f"/setup/imports/{job.pk}/",
        httponly=True,
        samesite="Strict",
        secure=request.is_secure(),
    )
    return response


@login_required
def job_status(request, pk):
    job = _job(request, pk)
    return JsonResponse({"status": job.status, "progress": jobs.import_job_progress_of(job)})


@never_cache  # the passwords file
@login_required
@require_GET  # only a GET that sends the file may spend it: a HEAD (a link preview, a probe) answers 405
def job_passwords(request, pk):
    job = _job(request, pk)
    secret = request.COOKIES.get(jobs.secret_cookie(job))
    if job.status != ImportJob.Status.DONE or not secret:
        raise Http404

    def passwords_file(members: list[list[str]]) -> bytes:
        return passwords_xlsx(
            [
                (slip.username, slip.full_name, slip.password, slip.commune, slip.team)
                for slip in jobs.job_slips(job=job, secret=secret, members=members)
            ]
        )

    body = jobs.import_job_passwords_file(job=job, build=passwords_file)
    if body is None:
        return _passwords_spent(request, job)
    response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="mat-khau-{str(job.pk)[:8]}.xlsx"'
    return _spending(response, job)


def _passwords_spent(request, job: ImportJob):
    message = _("Mật khẩu chỉ lấy được một lần (tệp hoặc phiếu in) và đã được lấy.")
    return render(request, "onboarding/job.html", {"job": job, "columns": [], "refused": message}, status=410)


def _spending(response, job: ImportJob):
    """The answer carrying the passwords: never kept by a cache; the secret they come from goes with it."""
    response["Cache-Control"] = "no-store, private"
    response.delete_cookie(jobs.secret_cookie(job), path=f"/setup/imports/{job.pk}/")
    return response


@never_cache  # the slips carry the passwords
@login_required
@require_GET  # as the file: only a GET that shows the slips spends them
def job_slips(request, pk):
    """The new members' one-time passwords as slips to print, by commune then team, once (instead of the
    file): a slip is cut and handed to its member, who sets their own password at first sign-in."""
    job = _job(request, pk)
    secret = request.COOKIES.get(jobs.secret_cookie(job))
    if job.status != ImportJob.Status.DONE or not secret:
        raise Http404

    def slips_page(members: list[list[str]]) -> bytes:
        groups = jobs.slip_groups(jobs.job_slips(job=job, secret=secret, members=members))
        return render_to_string(
            "onboarding/slips.html", {"groups": groups, "job": job}, request=request
        ).encode()

    body = jobs.import_job_passwords_file(job=job, build=slips_page)
    if body is None:
        return _passwords_spent(request, job)
    return _spending(HttpResponse(body, content_type="text/html; charset=utf-8"), job)
