from pathlib import Path

from core.management.commands._base import ImportCommand
from demo.seed import DEMO_PASSWORD, demo_seed


class Command(ImportCommand):
    help = (
        "Tạo dữ liệu mẫu cho một tỉnh: thôn (Voronoi), tổ, thành viên, hộ và vài lượt thăm; đánh dấu là mẫu."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True)
        parser.add_argument("--households", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--logins-file", type=Path, help="Ghi các tài khoản mẫu ra tệp")

    def handle(self, *args, province, households, seed, logins_file=None, **options):
        report = self.run_import(demo_seed, province=province, households=households, seed=seed)
        self.stdout.write(
            self.style.SUCCESS(
                f"Dữ liệu mẫu tỉnh {province}: {report.villages} thôn, {report.teams} tổ, {report.members} thành viên, "
                f"{report.households} hộ, {report.visits} lượt thăm"
            )
        )
        if report.campaign is not None:
            self.stdout.write(
                f"Chiến dịch đang chạy: {report.campaign.name} "
                f"({report.campaign.starts_on:%d/%m/%Y}–{report.campaign.ends_on:%d/%m/%Y}), /campaigns/{report.campaign.pk}/"
            )
        if report.approximated_communes:
            self.stdout.write(f"{report.approximated_communes} xã chưa có ranh giới thật: dùng ô xấp xỉ.")
        lines = [f"Tài khoản mẫu (mật khẩu chung: {DEMO_PASSWORD}; chỉ là dữ liệu mẫu):"]
        lines += [f"  {username:<22} {role:<16} {scope}" for username, role, scope in report.logins]
        lines.append(
            "  Mọi thành viên mẫu: tv-<mã xã>-<số tổ>-<số>, tổ trưởng tt-<mã xã>-<số tổ>, lãnh đạo xã xa-<mã xã>."
        )
        text = "\n".join(lines)
        self.stdout.write(text)
        if logins_file:
            logins_file.write_text(text + "\n", encoding="utf-8")
