"""Erase a household on request (Decree 13/2023): the record and everything recorded about it."""

import sys
import uuid

from auditlog.context import set_actor
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.models import Household, User
from core.services.households import household_erase


class Command(BaseCommand):
    help = "Xóa hẳn một hộ và mọi dữ liệu về hộ (theo yêu cầu của người dân)."

    def add_arguments(self, parser):
        parser.add_argument("household", help="Mã (UUID) của hộ")
        parser.add_argument("--yes", action="store_true", help="Không hỏi lại")
        parser.add_argument("--by", help="Tên đăng nhập của người xử lý yêu cầu (ghi vào nhật ký)")

    def handle(self, *args, household, yes=False, by=None, **options):
        actor = None
        if by:
            actor = User.objects.filter(username=by).first()
            if actor is None:
                raise CommandError(f"Không có thành viên {by}.")
        try:
            record = Household.objects.get(pk=uuid.UUID(household))
        except (ValueError, Household.DoesNotExist) as missing:
            raise CommandError(f"Không có hộ {household}.") from missing
        visits = record.visits.count()
        if not yes:
            # Without a terminal (a script, a pipe, cron) nobody can answer: refuse rather than read an
            # end of input, and erase nothing.
            if not sys.stdin or not sys.stdin.isatty():
                raise CommandError(
                    _(
                        "Không có ai trả lời câu hỏi xác nhận (không chạy trong terminal): thêm --yes để xóa "
                        "hộ %(household)s. Chưa có gì bị xóa."
                    )
                    % {"household": record.pk}
                )
            try:
                answer = input(f"Xóa hẳn hộ {record.pk} và {visits} lượt thăm? Gõ 'xoa' để xác nhận: ")
            except EOFError as closed:
                raise CommandError(_("Đã hủy, không có gì bị xóa.")) from closed
            if answer.strip().lower() not in ("xoa", "xóa"):
                raise CommandError(_("Đã hủy, không có gì bị xóa."))
        with set_actor(actor):
            household_erase(household=record)
        self.stdout.write(f"Đã xóa hộ {household} và {visits} lượt thăm.")
