"""Shared shape of the import commands: run a service, print its report, turn a rejection into an error."""

from django.core.management.base import BaseCommand, CommandError

from core.services.imports import ImportRejected


class ImportCommand(BaseCommand):
    def run_import(self, service, **kwargs):
        try:
            return service(**kwargs)
        except ImportRejected as rejected:
            lines = "\n".join(f"  - {problem}" for problem in rejected.problems)
            raise CommandError(f"Tệp bị từ chối, không có gì được lưu:\n{lines}") from rejected
