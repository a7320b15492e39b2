"""``manage.py household_erase`` asks before erasing; without a terminal to answer (``</dev/null``, a pipe,
cron) and without ``--yes`` it refuses with a clear message and erases nothing (issue 19, tester's
follow-up §7), instead of ending in an EOFError traceback."""

import io
import sys

import pytest
from django.core.management import CommandError, call_command

from core.models import ErasedHousehold, Household
from tests import factories

pytestmark = pytest.mark.django_db


class _Terminal(io.StringIO):
    """Typed answers on a terminal (``isatty``), then the end of input (Ctrl-D)."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def home(world):
    return factories.HouseholdFactory(village=world.a.village)


def _still_there(home) -> bool:
    return Household.objects.filter(pk=home.pk).exists() and not ErasedHousehold.objects.exists()


@pytest.mark.parametrize("stdin", [io.StringIO(""), io.StringIO("xoa\n"), None])
def test_without_a_terminal_it_refuses_and_erases_nothing(home, monkeypatch, stdin):
    monkeypatch.setattr(sys, "stdin", stdin)
    with pytest.raises(CommandError, match="--yes") as refused:
        call_command("household_erase", str(home.pk), stdout=io.StringIO())
    assert "Chưa có gì bị xóa" in str(refused.value)
    assert _still_there(home)


def test_end_of_input_on_a_terminal_cancels(home, monkeypatch):
    monkeypatch.setattr(sys, "stdin", _Terminal(""))
    with pytest.raises(CommandError, match="Đã hủy"):
        call_command("household_erase", str(home.pk), stdout=io.StringIO())
    assert _still_there(home)


def test_a_typed_confirmation_or_yes_erases(home, world, monkeypatch):
    monkeypatch.setattr(sys, "stdin", _Terminal("xoa\n"))
    call_command("household_erase", str(home.pk), stdout=io.StringIO())
    assert not Household.objects.filter(pk=home.pk).exists()
    other = factories.HouseholdFactory(village=world.a.village)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    call_command("household_erase", str(other.pk), "--yes", stdout=io.StringIO())
    assert ErasedHousehold.objects.count() == 2
