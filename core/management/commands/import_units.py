from core.management.commands._base import ImportCommand
from core.services.units import units_import


class Command(ImportCommand):
    help = "Nhập 34 tỉnh và 3.321 xã từ gói vietnamadminunits (MIT)."

    def add_arguments(self, parser):
        parser.add_argument("--province", help="Chỉ nhập một tỉnh, ví dụ 51")

    def handle(self, *args, province=None, **options):
        report = self.run_import(units_import, province=province)
        self.stdout.write(
            self.style.SUCCESS(f"Đơn vị hành chính: {report.summary()} ({'; '.join(report.notes)})")
        )
