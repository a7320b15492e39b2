"""A commune leader's verdict on a flagged visit (core.counting says what counts).

Confirming a held visit puts it into every total; rejecting keeps it out for good, with the reason. Each
decision is kept (``VisitReview``: who, when, what, why) and the village's rollups are recounted in the
same transaction through the one projection pipeline, so every page, export and feed moves together.
Only the leader of the visit's commune decides; anyone else gets a 404, as for anything out of scope.
"""

import uuid

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from backend.exceptions import ApplicationError
from core.counting import visit_held
from core.models import Review, User, Visit, VisitReview
from core.projections import field_records_batch, field_records_project
from core.scope import Scope
from core.selectors import visits_for

REASON_MAX_CHARS = 500


def visit_review(*, actor: User, visit_id: uuid.UUID, decision: str, reason: str = "") -> Visit:
    scope = Scope.of(actor)
    commune = scope.leads_commune
    if commune is None:
        raise Http404
    reason = (reason or "").strip()
    if decision not in (Review.CONFIRMED, Review.REJECTED):
        raise ApplicationError(_("Chọn xác nhận hoặc bác bỏ."), errors={"decision": [_("Không hợp lệ.")]})
    if decision == Review.REJECTED and not reason:
        raise ApplicationError(_("Cần ghi lý do bác bỏ."), errors={"reason": [_("Cần ghi lý do bác bỏ.")]})
    if len(reason) > REASON_MAX_CHARS:
        raise ApplicationError(
            _("Lý do dài quá %(n)d ký tự.") % {"n": REASON_MAX_CHARS},
            errors={"reason": [_("Lý do dài quá %(n)d ký tự.") % {"n": REASON_MAX_CHARS}]},
        )
    with transaction.atomic():
        visit = (
            visits_for(scope=scope)
            .filter(village__commune_id=commune, is_flagged=True)
            .select_for_update(of=("self",))
            .filter(id=visit_id)
            .first()
        )
        if visit is None:
            raise Http404
        if decision == Review.CONFIRMED and visit.visited_at > timezone.now():
            # A visit counts from its own time on, never before: confirmed early it would count ahead.
            when = date_format(timezone.localtime(visit.visited_at), "d/m/Y H:i")
            raise ApplicationError(
                _("Lượt thăm ghi thời điểm %(when)s, chưa tới; chỉ xác nhận được từ lúc đó.")
                % {"when": when},
                errors={"decision": [_("Thời điểm thăm chưa tới.")]},
            )
        was_held = visit.held
        visit.review = decision
        visit.held = visit_held(flags=visit.flags, review=decision)
        Visit.objects.filter(id=visit.id, province_id=visit.province_id).update(
            review=visit.review, held=visit.held
        )
        VisitReview.objects.create(
            visit_id=visit.id,
            village_id=visit.village_id,
            decision=decision,
            reason=reason,
            flags=visit.flags,
            reviewed_by=actor,
        )
        if was_held != visit.held:
            field_records_project(
                field_records_batch(
                    village_codes=[visit.village_id],
                    recount_village_codes=[visit.village_id],
                    denominator_village_codes=[],
                )
            )
    return visit
