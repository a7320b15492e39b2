"""Campaigns and their targets are in the audit trail (core/audit.py says why and how)."""

from auditlog.registry import auditlog

from campaigns.models import Campaign, CampaignTarget


def register_audited_models() -> None:
    auditlog.register(Campaign, m2m_fields={"communes", "services"})
    auditlog.register(CampaignTarget)
