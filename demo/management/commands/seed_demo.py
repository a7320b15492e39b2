from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.db.models import ProtectedError, RestrictedError

from core.services.imports import ImportRejected
from demo.removal import DemoInUse, data_presence
from demo.seed import DEMO_PASSWORD, DemoReport, demo_seed

HAS_REAL = (
    "Cơ sở dữ liệu đã có dữ liệu thật (tổ, thôn, tài khoản, hộ, lượt thăm hoặc chiến dịch không phải mẫu): "
    "không tạo dữ liệu mẫu."
)
HAS_DEMO = "Đã có dữ liệu mẫu: giữ nguyên, không tạo lại."


class Command(BaseCommand):
    help = (
        "Tạo dữ liệu mẫu cho một tỉnh: thôn (Voronoi), tổ, thành viên, hộ và vài lượt thăm; đánh dấu là mẫu. "
        "Với --if-empty: chỉ khi cơ sở dữ liệu chưa có dữ liệu mẫu lẫn dữ liệu thật."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True)
        parser.add_argument("--households", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--logins-file", type=Path, help="Ghi các tài khoản mẫu ra tệp")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Bỏ qua (không lỗi) nếu đã có dữ liệu mẫu hoặc dữ liệu thật: lệnh của `make run`",
        )

    def handle(self, *args, province, households, seed, logins_file=None, if_empty=False, **options):
        if if_empty:
            presence = data_presence()
            if logins_file and not presence.demo:
                logins_file.unlink(missing_ok=True)  # another database's demo: its logins do not exist here
            if not presence.may_seed:
                self.stdout.write(HAS_REAL if presence.real else HAS_DEMO)
                return
        report = _seeded(province=province, households=households, seed=seed)
        self._report(province=province, report=report, logins_file=logins_file)

    def _report(self, *, province: str, report: DemoReport, logins_file: Path | None) -> None:
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


def _seeded(*, province: str, households: int, seed: int) -> DemoReport:
    """The seed, or a short error in counts: never the rows' own text (a ProtectedError's message lists
    every protecting object, i.e. people's names), and nothing stored."""
    try:
        return demo_seed(province=province, households=households, seed=seed)
    except ImportRejected as rejected:
        lines = "\n".join(f"  - {problem}" for problem in rejected.problems)
        raise CommandError(f"Không tạo được dữ liệu mẫu, không có gì được lưu:\n{lines}") from None
    except DemoInUse as in_use:
        raise CommandError(
            f"Dữ liệu thật đang dùng dữ liệu mẫu của tỉnh {province} ({in_use}): không tạo lại dữ liệu mẫu, "
            "không có gì thay đổi. `manage.py remove_demo` xoá phần mẫu không bị dùng."
        ) from None
    except (ProtectedError, RestrictedError) as error:
        protecting = (
            error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
        )
        raise CommandError(
            f"Không tạo được dữ liệu mẫu: {len(protecting)} bản ghi thật đang dùng dữ liệu mẫu; "
            "không có gì thay đổi."
        ) from None
    except DatabaseError as error:
        raise CommandError(
            f"Không tạo được dữ liệu mẫu ({type(error).__name__}): không có gì thay đổi."
        ) from None
