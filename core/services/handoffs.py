"""Items the server cannot place, handed by a volunteer to their team leader (API.md "Handoffs").

A visit to a household erased on request, an edit of a household moved to another team: the phone
can never store them, and discarding loses what the volunteer learnt at the door. The volunteer hands
such an item to the team leader as a note: the household's label as the phone showed it, when the item
was recorded, what it recorded, the volunteer's words and the server's reason. The team leader and the
commune leader see it (leaders' review page) and mark it handled.

The phone makes the note's id: sending it again (a lost answer) finds the note already there and
answers it again, never a second note; the same id with other content is a conflict. Text is data:
cleaned by the product's one rule and shown escaped. A citizen ID number (12 digits) is refused: the
product never stores one.
"""

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from backend.exceptions import ApplicationError
from core.models import Handoff, HandoffReason, Outcome, User
from core.record_spec import (
    MISSING,
    Choice,
    Context,
    Field,
    Invalid,
    Moment,
    Text,
    Uuid,
    content_hash,
)
from core.scope import Kind, leads_team

NOTE_MAX_CHARS = 1000
# A volunteer hands over at most this many notes a day: a phone looping on a bug cannot flood a leader.
DAILY_LIMIT = 100
ITEM_KINDS = ("household", "visit", "group_session")


class _Kind(Choice):
    __slots__ = ()

    def __init__(self, **kwargs):
        Field.__init__(self, **kwargs)
        self.enum = None
        self.choices = frozenset(ITEM_KINDS)


HANDOFF_SPEC: dict[str, Field] = {
    "id": Uuid(required=True, help="Tạo trên điện thoại; gửi lại cùng id không tạo ghi chú thứ hai"),
    "household": Uuid(nullable=True, help="Mã hộ của mục (nếu có)"),
    "household_label": Text(200, required=True, free=True, help="Nhãn hộ như điện thoại hiển thị"),
    "kind": _Kind(required=True, help="household, visit hoặc group_session"),
    "recorded_at": Moment(required=True, help="Lúc mục được ghi trên điện thoại"),
    "outcome": Choice(Outcome, nullable=True, default="", help="Kết quả lượt thăm (nếu là lượt thăm)"),
    "note": Text(NOTE_MAX_CHARS, multiline=True, free=True, help="Lời nhắn của thành viên cho tổ trưởng"),
    "reason": Choice(HandoffReason, required=True, help="Vì sao máy chủ không nhận mục này"),
    "reason_text": Text(500, free=True, help="Lời giải thích máy chủ đã trả về"),
}


def _parse(payload) -> dict:
    if type(payload) is not dict:
        raise ApplicationError(
            _("Dữ liệu gửi lên không hợp lệ."),
            errors={"non_field_errors": [_("Phải là một đối tượng JSON.")]},
        )
    context = Context(now=timezone.now(), services={})
    values, errors = {}, {}
    for name, spec_field in HANDOFF_SPEC.items():
        try:
            values[name] = spec_field.parse(payload.get(name, MISSING), context)
        except Invalid as invalid:
            errors[name] = [invalid.message]
    if errors:
        raise ApplicationError(_("Dữ liệu gửi lên không hợp lệ."), errors=errors)
    return values


def _content(values: dict) -> dict:
    return {
        name: str(value) if isinstance(value, uuid.UUID | dt.datetime) else value
        for name, value in values.items()
    }


def handoff_create(*, user: User, payload) -> tuple[Handoff, bool]:
    """The note, stored once: ``(handoff, created)``. A resend of the same note answers the stored one."""
    scope = user.scope
    if scope.kind != Kind.TEAM:
        raise ApplicationError(
            _("Chỉ thành viên tổ mới chuyển mục cho tổ trưởng."), status_code=status.HTTP_403_FORBIDDEN
        )
    values = _parse(payload)
    digest = content_hash(_content(values))
    existing = Handoff.objects.filter(pk=values["id"]).first()
    if existing is not None:
        return _resent(existing, user=user, digest=digest), False
    since = timezone.now() - dt.timedelta(days=1)
    if Handoff.objects.filter(volunteer=user, created_at__gte=since).count() >= DAILY_LIMIT:
        raise ApplicationError(
            _("Đã chuyển %(count)d mục trong 24 giờ qua; hãy liên hệ tổ trưởng trực tiếp.")
            % {"count": DAILY_LIMIT},
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        )
    handoff = Handoff(
        id=values["id"],
        volunteer=user,
        team_id=scope.team,
        commune_id=scope.commune,
        household_id=values["household"],
        household_label=values["household_label"],
        kind=values["kind"],
        recorded_at=values["recorded_at"],
        outcome=values["outcome"] or "",
        note=values["note"],
        reason=values["reason"],
        reason_text=values["reason_text"],
        content_hash=digest,
    )
    try:
        with transaction.atomic():
            handoff.save(force_insert=True)
    except IntegrityError:
        # The same note racing its resend: the other copy stored it first.
        return _resent(Handoff.objects.get(pk=values["id"]), user=user, digest=digest), False
    return handoff, True


def _resent(existing: Handoff, *, user: User, digest: str) -> Handoff:
    if existing.volunteer_id != user.pk or existing.content_hash != digest:
        raise ApplicationError(
            _("Mã này đã dùng cho một ghi chú khác."),
            errors={"id": [_("Mã này đã dùng cho một ghi chú khác.")]},
            status_code=status.HTTP_409_CONFLICT,
        )
    return existing


def handoff_handle(*, actor: User, handoff_id: uuid.UUID, commune: str | None = None) -> Handoff:
    """Mark a note handled (its team leader or commune leader), once: marking it again keeps the first
    mark. Out of scope (another team, another commune, or not in ``commune`` when given): 404. A member
    who is not the team's leader sees their own notes but does not handle them: 403."""
    from core.selectors import handoffs_for

    if actor.scope.kind == Kind.TEAM and not leads_team(actor):
        raise ApplicationError(
            _("Chỉ tổ trưởng hoặc lãnh đạo xã đánh dấu ghi chú đã xử lý."),
            status_code=status.HTTP_403_FORBIDDEN,
        )
    notes = handoffs_for(user=actor).filter(pk=handoff_id)
    if commune is not None:
        notes = notes.filter(commune_id=commune)
    handoff = notes.first()
    if handoff is None:
        raise ApplicationError(
            _("Không tìm thấy, hoặc nằm ngoài phạm vi của bạn."), status_code=status.HTTP_404_NOT_FOUND
        )
    if handoff.handled_at is None:
        handoff.handled_at, handoff.handled_by = timezone.now(), actor
        handoff.save(update_fields=["handled_at", "handled_by"])
    return handoff


def handoff_as_record(handoff: Handoff) -> dict:
    return {
        "id": str(handoff.id),
        "household": str(handoff.household_id) if handoff.household_id else None,
        "household_label": handoff.household_label,
        "kind": handoff.kind,
        "recorded_at": timezone.localtime(handoff.recorded_at).isoformat(),
        "outcome": handoff.outcome or None,
        "note": handoff.note,
        "reason": handoff.reason,
        "reason_text": handoff.reason_text,
        "volunteer_name": handoff.volunteer.full_name or handoff.volunteer.username,
        "created_at": timezone.localtime(handoff.created_at).isoformat(),
        "handled_at": timezone.localtime(handoff.handled_at).isoformat() if handoff.handled_at else None,
    }
