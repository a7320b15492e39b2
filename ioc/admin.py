"""Feed keys in the national admin: issue one for a province (the key is shown once, on the page that
answers the form, never in a message cookie or a log), see when it was last used, revoke it."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from backend.text_fields import ADMIN_TEXT_OVERRIDES
from ioc.models import FeedKey
from ioc.services import feed_key_assign, feed_key_revoke

DETAILS = ["name", "province", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]


@admin.register(FeedKey)
class FeedKeyAdmin(admin.ModelAdmin):
    formfield_overrides = ADMIN_TEXT_OVERRIDES  # stored text through backend.text.clean_text
    list_display = ["name", "province", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["province", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["province"]
    search_fields = ["name", "prefix"]
    autocomplete_fields = ["province"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return DETAILS if obj else ["name", "province"]

    def get_readonly_fields(self, request, obj=None):
        return DETAILS[1:] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row stays, with who issued it and when it was last used

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        obj.created_by = request.user
        request.ioc_issued_key = feed_key_assign(feed_key=obj)
        obj.save()

    def response_add(self, request, obj, post_url_continue=None):
        key = getattr(request, "ioc_issued_key", None)
        if key is None:
            return super().response_add(request, obj, post_url_continue)
        response = TemplateResponse(
            request,
            "ioc/key_issued.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "feed_key": obj,
                "key": key,
                "title": _("Khóa IOC đã được cấp"),
            },
        )
        add_never_cache_headers(response)  # the key, shown this once
        return response

    @admin.action(description=_("Thu hồi các khóa đã chọn"))
    def revoke(self, request, queryset):
        count = 0
        for feed_key in queryset.filter(revoked_at__isnull=True):
            feed_key_revoke(feed_key=feed_key)
            count += 1
        self.message_user(
            request,
            ngettext("Đã thu hồi %(count)d khóa.", "Đã thu hồi %(count)d khóa.", count) % {"count": count},
            messages.SUCCESS,
        )
