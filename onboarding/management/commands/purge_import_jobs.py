"""Empty the import jobs past their keeping time (IMPORT_JOB_KEEP_HOURS): the beat task's rule, for a
server started without beat (the embedded default runs it as it starts: ``make serve``)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from onboarding.jobs import import_jobs_purge


class Command(BaseCommand):
    help = "Xoá dữ liệu các bảng tính đã tải lên quá hạn giữ mà không lưu (tên, ngày sinh, số điện thoại)."

    def handle(self, *args, **options):
        emptied = import_jobs_purge()
        self.stdout.write(_("Đã xoá dữ liệu của %(count)d lần nhập quá hạn.") % {"count": emptied})
