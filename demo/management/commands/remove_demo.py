from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from demo.removal import DemoInUse, demo_remove


class Command(BaseCommand):
    help = (
        "Xoá dữ liệu mẫu (mọi thứ đánh dấu là mẫu và chiến dịch mẫu), không bao giờ xoá dữ liệu thật; "
        "đếm lại độ phủ của các thôn còn lại. Chạy lại nhiều lần vẫn an toàn."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", help="Chỉ dữ liệu mẫu của tỉnh này (mặc định: mọi tỉnh)")

    def handle(self, *args, province=None, **options):
        try:
            report = demo_remove(province=province)
        except DemoInUse as in_use:
            raise CommandError(
                f"Không xoá được dữ liệu mẫu: dữ liệu thật đang dùng nó ({in_use}); không có gì thay đổi."
            ) from None
        except DatabaseError as error:
            raise CommandError(
                f"Không xoá được dữ liệu mẫu ({type(error).__name__}): không có gì thay đổi."
            ) from None
        removed = ", ".join(f"{count} {label}" for label, count in report.removed.items())
        self.stdout.write(self.style.SUCCESS(f"Đã xoá dữ liệu mẫu: {removed}."))
        if report.kept:
            kept = ", ".join(f"{count} {label}" for label, count in report.kept.items())
            self.stdout.write(f"Giữ lại vì dữ liệu thật đang dùng: {kept} (vẫn đánh dấu là mẫu).")
        self.stdout.write(f"Đã đếm lại độ phủ của {report.recounted_villages} thôn còn lại.")
