from pathlib import Path

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from core.management.commands._base import ImportCommand
from core.services.boundaries import LEVELS, OFFICIAL_FILES, boundaries_import


class Command(ImportCommand):
    help = (
        "Nhập ranh giới (GeoJSON, Shapefile, GeoPackage, GeoJSON nén zip), khớp theo mã đơn vị; hình học hỏng "
        "được sửa và liệt kê. Không chỉ ra tệp: dùng ranh giới chính thức 2025 trong fixtures/ "
        "(không có --level: ranh giới tỉnh rồi các xã)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", type=Path, nargs="?", help="Tệp ranh giới; bỏ trống để dùng fixtures/ (tỉnh, xã)"
        )
        parser.add_argument("--level", choices=sorted(LEVELS))
        parser.add_argument("--code-field", help="Tên cột chứa mã đơn vị, nếu không tự nhận ra")
        parser.add_argument("--province", help="Chỉ lấy các đối tượng của một tỉnh (tệp toàn quốc)")
        parser.add_argument(
            "--skip-unmatched", action="store_true", help="Lưu các đối tượng khớp mã, liệt kê mã không khớp"
        )

    def handle(self, *args, **options):
        if options["level"]:
            levels = [options["level"]]
        elif options["file"] is None:
            # One process for the outline and the communes: `make run` pays Django's start-up once.
            levels = list(OFFICIAL_FILES)
        else:
            raise CommandError(_("Cần --level (province, commune hoặc village) khi chỉ ra tệp ranh giới."))
        with transaction.atomic():
            for level in levels:
                self._import(level, options)

    def _import(self, level: str, options: dict) -> None:
        report = self.run_import(
            boundaries_import,
            path=options["file"],
            level=level,
            code_field=options["code_field"],
            province=options["province"],
            skip_unmatched=options["skip_unmatched"],
        )
        self.stdout.write(self.style.SUCCESS(f"Ranh giới {level}: {report.summary()}"))
        if report.repaired:
            self.stdout.write(self.style.WARNING(f"Đã sửa {len(report.repaired)} hình học không hợp lệ:"))
            for line in report.repaired:
                self.stdout.write(f"  - {line}")
        if report.unmatched:
            self.stdout.write(
                self.style.WARNING(f"{len(report.unmatched)} mã không khớp: {', '.join(report.unmatched)}")
            )
        if report.outside_province:
            self.stdout.write(f"Bỏ qua {report.outside_province} đối tượng ngoài tỉnh {options['province']}.")
