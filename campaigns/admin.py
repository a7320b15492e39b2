"""Campaigns in the national admin. Province officers create and edit theirs in the product's pages
(views.py); dates typed here are read day first or ISO (backend/locale_formats/), never month first."""

from django.contrib import admin

from backend.text_fields import ADMIN_TEXT_OVERRIDES
from campaigns.models import Campaign, CampaignTarget


class CampaignTargetInline(admin.TabularInline):
    model = CampaignTarget
    extra = 0
    autocomplete_fields = ["commune", "village"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    formfield_overrides = ADMIN_TEXT_OVERRIDES  # stored text through backend.text.clean_text
    list_display = ["name", "province", "starts_on", "ends_on"]
    list_filter = ["province"]
    list_select_related = ["province"]
    search_fields = ["name"]
    autocomplete_fields = ["province", "communes"]
    filter_horizontal = ["services"]
    inlines = [CampaignTargetInline]
