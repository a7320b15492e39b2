"""Village boundaries of a whole province in one file: upload, choose the columns (and a Shapefile's
code page), preview on a map with counts per commune and warnings, store (in the worker when large).
Province officers and admins only; another province, or a commune leader, is 404."""

import math

import shapely
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from shapely.geometry import shape

from backend.formats import number
from backend.middleware import body_limit
from backend.outbox import outbox_enqueue
from core.models import Commune
from core.services.imports import ImportRejected
from onboarding import province_boundaries as pb
from onboarding import selectors
from onboarding.boundaries import BoundaryFileError, features_of, read_boundary_file
from onboarding.codepages import CODEPAGES, guess_codepage
from onboarding.limits import MAX_BYTES
from onboarding.models import ProvinceBoundaryUpload
from onboarding.views import FORM_OVERHEAD, declared_length

Status = ProvinceBoundaryUpload.Status


def _province(request, code):
    scope = request.user.scope
    if not scope.sees_setup_table:
        raise Http404
    province = selectors.setup_provinces(scope=scope).filter(code=code).first()
    if province is None:
        raise Http404
    return province


def _crumbs(province):
    return [
        (province.full_name, reverse("onboarding:home") + f"?province={province.code}"),
        (_("Ranh giới thôn cả tỉnh"), None),
    ]


@body_limit(MAX_BYTES + FORM_OVERHEAD)
@login_required
def upload(request, code):
    # geopandas, shapely and GDAL load here, on the first upload, not with the URLconf.

    province = _province(request, code)
    error, status = "", 400
    if request.method == "POST" and declared_length(request) > MAX_BYTES + FORM_OVERHEAD:
        error, status = _("Tệp quá lớn (tối đa %(size)d MB).") % {"size": MAX_BYTES // (1024 * 1024)}, 413
    elif request.method == "POST":
        file = request.FILES.get("file")
        if file is None:
            error = _("Hãy chọn một tệp GeoJSON, KML hoặc Shapefile nén .zip.")
        else:
            try:
                read = read_boundary_file(
                    data=file.read(), filename=file.name, raw_text=True, max_features=pb.MAX_FEATURES
                )
            except BoundaryFileError as problem:
                error = str(problem)
            else:
                features = pb.storable_features(features_of(read.frame))
                cpg = pb.storable(read.cpg or "")[:100]
                texts = [t for f in features for pair in f["properties"].items() for t in pair]
                codepage = guess_codepage(texts, cpg=cpg) if read.raw_text else ""
                record = ProvinceBoundaryUpload(
                    province=province,
                    created_by=request.user,
                    file_name=pb.storable(file.name)[:200],
                    raw_text=read.raw_text,
                    cpg=cpg,
                    codepage=codepage,
                    features=features,
                )
                _guess_columns(record)
                record.save()
                pb.upload_checked(record)
                return redirect("onboarding:province-boundaries-preview", code=code, pk=record.pk)
    return render(
        request,
        "onboarding/province_boundaries_upload.html",
        {"province": province, "error": error, "breadcrumbs": _crumbs(province)},
        status=status if error else 200,
    )


def _columns(upload) -> list[dict]:

    features = pb.decoded_features(
        features=upload.features, raw_text=upload.raw_text, codepage=upload.codepage
    )
    return pb.columns_of(features)


def _guess_columns(upload) -> None:

    columns = _columns(upload)
    upload.commune_column = pb.guess_commune_column(columns)
    upload.column = pb.guess_village_column(columns, commune_column=upload.commune_column)


def _upload(request, code, pk) -> ProvinceBoundaryUpload:
    province = _province(request, code)
    return get_object_or_404(
        ProvinceBoundaryUpload.objects.select_related("province"), province=province, pk=pk
    )


def _direction(east: float, north: float) -> str:
    """The compass point (of eight) a shift goes towards."""

    words = [
        _("đông"),
        _("đông bắc"),
        _("bắc"),
        _("tây bắc"),
        _("tây"),
        _("tây nam"),
        _("nam"),
        _("đông nam"),
    ]
    return words[round(math.degrees(math.atan2(north, east)) / 45) % 8]


def _warnings(summary: dict) -> list[str]:
    texts = []
    for warning in summary.get("warnings", []):
        if warning["kind"] == "outside":
            texts.append(
                _(
                    "%(count)s trên %(total)s thôn nằm ngoài xã của mình: có thể sai hệ toạ độ (tệp .prj "
                    "thiếu hoặc ghi sai datum, ví dụ VN-2000 không kèm tham số chuyển sang WGS 84)."
                )
                % {"count": number(warning["count"]), "total": number(warning["total"])}
            )
        elif warning["kind"] == "offset":
            texts.append(
                _(
                    "Các thôn lệch đều khoảng %(metres)s m về phía %(direction)s so với ranh giới xã: có thể "
                    "sai hệ toạ độ (tệp .prj thiếu hoặc ghi sai datum)."
                )
                % {
                    "metres": number(warning["metres"]),
                    "direction": _direction(warning["east"], warning["north"]),
                }
            )
    return texts


def _map(request, upload, checks) -> dict | None:

    villages = pb.preview_geojson(features=upload.features, checks=checks)
    if not villages["features"]:
        return None

    west, south, east, north = shapely.GeometryCollection(
        [shape(f["geometry"]) for f in villages["features"]]
    ).bounds
    codes = {row["code"] for row in (upload.summary or {}).get("communes", []) if row["code"]}
    outlines = Commune.objects.filter(province=upload.province, code__in=codes).exclude(
        geometry_simplified=None
    )
    communes = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": c.geometry_simplified, "properties": {}} for c in outlines
        ],
    }
    # folium loads when a map is drawn, not with the URLconf (tests/test_deployment.py).
    from maps.render import boundary_check_page, split_page, with_csp_nonce

    parts = split_page(
        boundary_check_page(villages=villages, communes=communes, bounds=[[south, west], [north, east]])
    )
    nonce = str(request.csp_nonce)
    return {
        "head": with_csp_nonce(parts.head, nonce),
        "body": parts.body,
        "script": with_csp_nonce(parts.script, nonce),
    }


def _preview(request, upload, status=200, **extra):

    checks = upload.checks or []
    summary = upload.summary or {}
    bad = sum(1 for check in checks if check["errors"])
    warnings = _warnings(summary)
    context = {
        "province": upload.province,
        "upload": upload,
        "columns": _columns(upload) if upload.features else [],
        "codepages": CODEPAGES.items() if upload.raw_text else [],
        "problems": [check for check in checks if check["errors"] or check["notes"]],
        "summary": summary,
        "communes_count": sum(1 for row in summary.get("communes", []) if row["code"]),
        "bad": bad,
        "warnings": warnings,
        "ready": bool(checks) and not bad and upload.status in (Status.CHECKED, Status.FAILED),
        "storing": upload.status == Status.STORING,
        "breadcrumbs": _crumbs(upload.province),
        "map": _map(request, upload, checks) if upload.features else None,
        "setup_url": reverse("onboarding:home") + f"?province={upload.province.code}",
    }
    context.update(extra)
    return render(request, "onboarding/province_boundaries_preview.html", context, status=status)


@login_required
def preview(request, code, pk):
    return _preview(request, _upload(request, code, pk))


@login_required
@require_POST
def check(request, code, pk):

    upload = _upload(request, code, pk)
    if upload.status not in (Status.CHECKED, Status.FAILED):
        return _preview(request, upload, status=409, refused=_("Tệp này đã được lưu."))
    codepage = request.POST.get("codepage", upload.codepage)
    if upload.raw_text and codepage != upload.codepage:
        if codepage not in CODEPAGES:
            return _preview(request, upload, status=400, refused=_("Hãy chọn một bảng mã trong danh sách."))
        upload.codepage = codepage  # the columns' names may read differently: guessed again
        _guess_columns(upload)
    else:
        names = {column["name"] for column in _columns(upload)}
        commune_column = request.POST.get("commune_column", "")
        column = request.POST.get("column", "")
        if column not in names or (commune_column and commune_column not in names):
            return _preview(request, upload, status=400, refused=_("Hãy chọn một cột của tệp."))
        upload.commune_column, upload.column = commune_column, column
    upload.status, upload.error = Status.CHECKED, ""
    upload.save(update_fields=["status", "error"])
    pb.upload_checked(upload)
    return redirect("onboarding:province-boundaries-preview", code=code, pk=upload.pk)


@login_required
@require_POST
def store(request, code, pk):

    upload = _upload(request, code, pk)
    if upload.status in (Status.STORED, Status.STORING):
        return _preview(request, upload, status=409, refused=_("Tệp này đã được lưu."))
    if (upload.summary or {}).get("warnings") and not request.POST.get("confirm"):
        return _preview(
            request,
            upload,
            status=400,
            refused=_("Hãy xem lại cảnh báo về hệ toạ độ và đánh dấu ô xác nhận trước khi lưu."),
        )
    if len(upload.features) > pb.STORE_INLINE:
        upload.status, upload.error = Status.STORING, ""
        upload.save(update_fields=["status", "error"])
        outbox_enqueue(task=pb.STORE_TASK, kwargs={"upload_id": str(upload.pk)})
        return redirect("onboarding:province-boundaries-preview", code=code, pk=upload.pk)
    try:
        pb.province_boundaries_store(upload_id=upload.pk)
    except ImportRejected as rejected:
        upload.refresh_from_db()
        return _preview(request, upload, status=400, refused=" ".join(str(p) for p in rejected.problems))
    return redirect("onboarding:province-boundaries-preview", code=code, pk=upload.pk)
