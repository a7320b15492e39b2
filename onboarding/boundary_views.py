"""Village boundaries per commune: upload, choose the column naming the village, preview, store."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.middleware import body_limit
from onboarding.limits import MAX_BYTES
from onboarding.models import BoundaryUpload
from onboarding.setup_views import _commune
from onboarding.views import FORM_OVERHEAD, declared_length


def _run_checks(upload: BoundaryUpload):
    from onboarding.boundaries import check_boundaries

    checks, geometries = check_boundaries(
        commune=upload.commune, features=upload.features, column=upload.column
    )
    upload.checks = [check.__dict__ for check in checks]
    upload.save(update_fields=["column", "checks"])
    return checks, geometries


def _crumbs(commune):
    return [
        (commune.full_name, reverse("onboarding:commune", args=[commune.code])),
        (_("Ranh giới thôn"), None),
    ]


@body_limit(MAX_BYTES + FORM_OVERHEAD)
@login_required
def boundaries_upload(request, code):
    # geopandas, shapely and GDAL load here, on the first upload, not with the URLconf.
    from onboarding.boundaries import (
        BoundaryFileError,
        attribute_columns,
        features_of,
        guess_column,
        read_boundaries,
    )

    commune = _commune(request, code)
    error = ""
    status = 400
    if request.method == "POST" and declared_length(request) > MAX_BYTES + FORM_OVERHEAD:
        error, status = _("Tệp quá lớn (tối đa %(size)d MB).") % {"size": MAX_BYTES // (1024 * 1024)}, 413
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Hãy chọn một tệp GeoJSON, KML hoặc Shapefile nén .zip.")
        else:
            try:
                frame = read_boundaries(data=upload.read(), filename=upload.name)
            except BoundaryFileError as problem:
                error = str(problem)
            else:
                columns = attribute_columns(frame)
                record = BoundaryUpload.objects.create(
                    commune=commune,
                    created_by=request.user,
                    file_name=upload.name[:200],
                    columns=columns,
                    features=features_of(frame),
                    column=guess_column(columns),
                )
                _run_checks(record)
                return redirect("onboarding:boundaries-preview", code=commune.code, pk=record.pk)
    return render(
        request,
        "onboarding/boundaries_upload.html",
        {"commune": commune, "error": error, "breadcrumbs": _crumbs(commune)},
        status=status if error else 200,
    )


def _upload(request, code, pk) -> BoundaryUpload:
    commune = _commune(request, code)
    return get_object_or_404(BoundaryUpload.objects.select_related("commune"), commune=commune, pk=pk)


def _preview(request, upload, status=200, **extra):
    checks = upload.checks or []
    bad = sum(1 for check in checks if check["errors"])
    context = {
        "commune": upload.commune,
        "upload": upload,
        "checks": checks,
        "bad": bad,
        "ready": bool(checks) and not bad and upload.stored is None,
        "breadcrumbs": _crumbs(upload.commune),
        "map_url": reverse("maps:commune", args=[upload.commune.code]),
    }
    context.update(extra)
    return render(request, "onboarding/boundaries_preview.html", context, status=status)


@login_required
def boundaries_preview(request, code, pk):
    return _preview(request, _upload(request, code, pk))


@login_required
@require_POST
def boundaries_check(request, code, pk):
    upload = _upload(request, code, pk)
    column = request.POST.get("column", "")
    if column not in {c["name"] for c in upload.columns}:
        return _preview(request, upload, status=400, refused=_("Hãy chọn một cột của tệp."))
    upload.column = column
    _run_checks(upload)
    return redirect("onboarding:boundaries-preview", code=code, pk=upload.pk)


@login_required
@require_POST
def boundaries_store(request, code, pk):
    upload = _upload(request, code, pk)
    if upload.stored is not None:
        return _preview(request, upload, status=409, refused=_("Tệp này đã được lưu."))
    checks, geometries = _run_checks(upload)
    if not checks or any(check.errors for check in checks):
        return _preview(request, upload, status=400, refused=_("Còn đối tượng lỗi: không có gì được lưu."))
    from core.services.boundaries import village_boundaries_store

    upload.stored = village_boundaries_store(
        commune=upload.commune.code, geometries=geometries, source=upload.file_name
    )
    upload.features = []  # stored on the villages now
    upload.save(update_fields=["stored", "features"])
    return redirect("onboarding:boundaries-preview", code=code, pk=upload.pk)
