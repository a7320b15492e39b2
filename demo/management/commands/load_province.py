from django.core.management import call_command
from django.core.management.base import BaseCommand

from core.models import Commune, Province


class Command(BaseCommand):
    help = (
        "Đơn vị hành chính và ranh giới thật của một tỉnh (từ fixtures/), chỉ khi tỉnh chưa có: "
        "chạy lại không đụng tới dữ liệu đã có. Bước đầu của `make run` và `make province`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True)

    def handle(self, *args, province, **options):
        outlined = Province.objects.filter(code=province, geometry__isnull=False).exists()
        if outlined and Commune.objects.filter(province_id=province).exists():
            self.stdout.write(f"Tỉnh {province} đã có đơn vị hành chính và ranh giới: giữ nguyên.")
            return
        call_command("import_units", province=province, stdout=self.stdout, stderr=self.stderr)
        call_command("import_boundaries", province=province, stdout=self.stdout, stderr=self.stderr)
