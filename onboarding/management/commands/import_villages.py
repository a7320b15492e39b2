from pathlib import Path

from core.management.commands._base import ImportCommand
from onboarding.services import villages_import


class Command(ImportCommand):
    help = "Nhập thôn, tổ dân phố theo xã từ CSV, XLSX hoặc GeoJSON (mã xã, tên, số hộ, ranh giới)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        report = self.run_import(villages_import, path=file)
        notes = f" ({'; '.join(report.notes)})" if report.notes else ""
        self.stdout.write(self.style.SUCCESS(f"Thôn, tổ dân phố: {report.summary()}{notes}"))
