"""Hand a household its data (Decree 13/2023): everything held about it, as UTF-8 JSON."""

import json
import uuid

from django.core.management.base import BaseCommand, CommandError

from core.models import Household
from core.services.households import household_export


class Command(BaseCommand):
    help = "Xuất toàn bộ dữ liệu của một hộ (theo yêu cầu của người dân) ra JSON."

    def add_arguments(self, parser):
        parser.add_argument("household", help="Mã (UUID) của hộ")
        parser.add_argument("--output", help="Ghi ra tệp này thay vì màn hình")

    def handle(self, *args, household, output=None, **options):
        try:
            record = Household.objects.get(pk=uuid.UUID(household))
        except (ValueError, Household.DoesNotExist) as missing:
            raise CommandError(f"Không có hộ {household}.") from missing
        text = json.dumps(household_export(household=record), ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            self.stdout.write(f"Đã ghi {output}")
        else:
            self.stdout.write(text)
