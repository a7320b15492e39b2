"""The outbox now belongs to the platform (field_api 0014 lets go of it): state only, the table stays.
Messages waiting under a task's old name are renamed, so none is lost over the deploy that moved them."""

import django.utils.timezone
from django.db import migrations, models

RENAMED = {
    "maps.campaigns.run_export": "campaigns.run_export",
    "maps.tasks.after_field_records": "campaigns.recount_asked",
}


def rename_waiting_tasks(apps, schema_editor):
    message_model = apps.get_model("platform", "OutboxMessage")
    for message in message_model.objects.filter(task__in=RENAMED):
        if message.task == "maps.tasks.after_field_records":
            message.kwargs = {"village_codes": message.kwargs.get("village_codes", [])}
        message.task = RENAMED[message.task]
        message.save(update_fields=["task", "kwargs"])


class Migration(migrations.Migration):
    initial = True

    dependencies = [("field_api", "0013_province_services_erased_households")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboxMessage",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("task", models.CharField(max_length=200, verbose_name="tác vụ")),
                        ("kwargs", models.JSONField(default=dict, verbose_name="tham số")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="lúc tạo")),
                        (
                            "available_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="lúc được gửi"),
                        ),
                        (
                            "attempts",
                            models.PositiveIntegerField(default=0, verbose_name="số lần thử không thành công"),
                        ),
                    ],
                    options={
                        "verbose_name": "việc chờ gửi cho worker",
                        "verbose_name_plural": "việc chờ gửi cho worker",
                        "db_table": "field_api_outboxmessage",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_waiting_tasks, migrations.RunPython.noop),
    ]
