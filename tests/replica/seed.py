"""Run as ``python -m tests.replica.seed`` with DATABASE_URL set: migrates the pair's primary and gives it
one commune with a team, a village, a volunteer and a commune leader (password PASSWORD)."""

import os

PASSWORD = "mat-khau-that-dai"  # noqa: S105


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    from core.models import Commune, Province, Role, Team, User, Village

    call_command("migrate", verbosity=0)
    call_command("loaddata", "fixtures/services.json", verbosity=0)
    province = Province.objects.create(code="51", name="Quảng Ngãi", full_name="Tỉnh Quảng Ngãi")
    commune = Commune.objects.create(
        code="51001", province=province, name="Cẩm Thành", full_name="Phường Cẩm Thành"
    )
    team = Team.objects.create(commune=commune, name="Tổ 1")
    Village.objects.create(code="51001-01", commune=commune, name="Thôn 1", team=team, declared_households=10)
    for username, role, extra in (
        ("r-tv", Role.VOLUNTEER, {"team": team}),
        ("r-xa", Role.COMMUNE_LEADER, {"commune": commune}),
    ):
        user = User(username=username, role=role, full_name=username, **extra)
        user.set_password(PASSWORD)
        user.save()


if __name__ == "__main__":
    main()
