import os
from pathlib import Path

from backend.spreadsheets import csv_write
from core.management.commands._base import ImportCommand
from onboarding.services import members_import


class Command(ImportCommand):
    help = "Nhập tổ và thành viên từ CSV/XLSX; in hoặc ghi ra tệp mật khẩu dùng một lần cho thành viên mới."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--passwords-file", type=Path, help="Ghi mật khẩu ra tệp CSV (chỉ chủ sở hữu đọc được)"
        )
        parser.add_argument(
            "--reset-passwords", action="store_true", help="Cấp lại mật khẩu cho cả thành viên cũ"
        )

    def handle(self, *args, file, passwords_file=None, reset_passwords=False, **options):
        report = self.run_import(members_import, path=file, reset_passwords=reset_passwords)
        self.stdout.write(
            self.style.SUCCESS(f"Thành viên: {report.summary()}; {report.teams_created} tổ mới")
        )
        if report.ignored_columns:
            self.stdout.write(
                self.style.WARNING(
                    f"Bỏ qua cột số định danh (không lưu): {', '.join(report.ignored_columns)}"
                )
            )
        if not report.passwords:
            return
        if passwords_file:
            # Created private before anything is written into it.
            descriptor = os.open(passwords_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8-sig", newline="") as handle:
                csv_write(
                    handle,
                    header=["Tên đăng nhập", "Họ và tên", "Mật khẩu dùng một lần"],
                    rows=report.passwords,
                )
            self.stdout.write(f"Đã ghi {len(report.passwords)} mật khẩu vào {passwords_file}")
        else:
            self.stdout.write("Mật khẩu dùng một lần (phát cho từng người, đổi sau lần đăng nhập đầu):")
            for username, full_name, password in report.passwords:
                self.stdout.write(f"  {username:<24} {password}  {full_name}")
