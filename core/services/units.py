"""Provinces and communes from the `vietnamadminunits` package (MIT), after the 1 July 2025 reform."""

from django.db import transaction
from vietnamadminunits.database import query

from backend.text import search_key
from core.history_partitions import history_partitions_ensure
from core.models import Commune, Province
from core.services.imports import ImportRejected, ImportReport

# Where the package disagrees with the official list (QĐ 19/2025/QĐ-TTg, as in the boundary files of
# fixtures/, see fixtures/README.md): package code → official code.
# vietnamadminunits 1.0.4 files Xã Ba Chẽ (Quảng Ninh) as 06970; officially it is 06978.
CODE_CORRECTIONS = {"06970": "06978"}

PROVINCE_FIELDS = ["name", "full_name", "lat", "lon", "search_name"]
COMMUNE_FIELDS = ["province", "name", "full_name", "unit_type", "area_km2", "lat", "lon", "search_name"]


def _package_rows(province: str | None) -> list[dict]:
    rows = query(
        "SELECT DISTINCT province, provinceShort, provinceCode, provinceLat, provinceLon, ward, wardShort, "
        "wardType, wardCode, wardLat, wardLon, wardAreaKm2 FROM admin_units ORDER BY wardCode"
    )
    if province:
        rows = [row for row in rows if row["provinceCode"] == province]
    return rows


@transaction.atomic
def units_import(*, province: str | None = None) -> ImportReport:
    rows = _package_rows(province)
    if not rows:
        raise ImportRejected([f"Không có tỉnh mã {province} trong danh mục đơn vị hành chính."])

    provinces = {}
    communes = []
    for row in rows:
        code = row["provinceCode"]
        if code not in provinces:
            provinces[code] = Province(
                code=code,
                name=row["provinceShort"],
                full_name=row["province"],
                lat=row["provinceLat"],
                lon=row["provinceLon"],
                search_name=search_key(f"{row['provinceShort']} {row['province']}"),
            )
        communes.append(
            Commune(
                code=CODE_CORRECTIONS.get(row["wardCode"], row["wardCode"]),
                province_id=code,
                name=row["wardShort"],
                full_name=row["ward"],
                unit_type=row["wardType"] or "",
                area_km2=row["wardAreaKm2"],
                lat=row["wardLat"],
                lon=row["wardLon"],
                search_name=search_key(f"{row['wardShort']} {row['ward']}"),
            )
        )

    existing = set(Commune.objects.filter(code__in=[c.code for c in communes]).values_list("code", flat=True))
    Province.objects.bulk_create(
        provinces.values(), update_conflicts=True, unique_fields=["code"], update_fields=PROVINCE_FIELDS
    )
    history_partitions_ensure(province_codes=list(provinces))  # bulk_create sends no post_save
    Commune.objects.bulk_create(
        communes, batch_size=1000, update_conflicts=True, unique_fields=["code"], update_fields=COMMUNE_FIELDS
    )
    report = ImportReport(created=len(communes) - len(existing), updated=len(existing))
    report.notes.append(f"{len(provinces)} tỉnh, {len(communes)} xã")
    return report
