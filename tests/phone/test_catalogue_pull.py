"""A guide the province edits in the browser reaches the phone on its next sync (through pull)."""

import pytest

from core.services.catalogue import service_save
from tests.phone.screens import shot, sign_in, sync_now

pytestmark = [pytest.mark.browser]

SERVICE_GUIDE = """async (code) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open('cnscd-phone');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const service = await new Promise((resolve) => {
    const request = db.transaction('services').objectStore('services').get(code);
    request.onsuccess = () => resolve(request.result);
  });
  db.close();
  return service ? service.guide : null;
}"""


def test_edited_guide_reaches_the_phone(team, phone):
    sign_in(phone, team.volunteer.username)
    before = phone.evaluate(SERVICE_GUIDE, "vneid_level2")
    assert before and "Gửi ảnh màn hình cho tổ trưởng." not in before
    from core.models import Service

    service = Service.objects.get(pk="vneid_level2")
    service_save(
        code=service.code,
        name=service.name,
        category=service.category,
        guide=[*service.guide, "Gửi ảnh màn hình cho tổ trưởng."],
        followup_days=service.followup_days,
        sort_order=service.sort_order,
        is_active=True,
    )
    sync_now(phone)
    after = phone.evaluate(SERVICE_GUIDE, "vneid_level2")
    assert after[-1] == "Gửi ảnh màn hình cho tổ trưởng."
    shot(phone, "catalogue-after-pull")
    assert phone.errors == []
