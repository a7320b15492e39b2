# Household field stamps (merging a phone's edit field by field) and items handed to the team leader.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("field_api", "0019_member_last_synced"),
    ]

    operations = [
        migrations.AddField(
            model_name="household",
            name="field_stamps",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.CreateModel(
            name="Handoff",
            fields=[
                ("id", models.UUIDField(editable=False, primary_key=True, serialize=False)),
                ("household_id", models.UUIDField(blank=True, null=True, verbose_name="mã hộ")),
                ("household_label", models.CharField(max_length=200, verbose_name="nhãn hộ")),
                ("kind", models.CharField(max_length=20, verbose_name="loại mục")),
                ("recorded_at", models.DateTimeField(verbose_name="ghi lúc")),
                (
                    "outcome",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("met", "Gặp được"),
                            ("not_home", "Không có nhà"),
                            ("refused", "Từ chối"),
                            ("come_back", "Hẹn quay lại"),
                            ("moved", "Đã chuyển đi"),
                        ],
                        max_length=20,
                        verbose_name="kết quả",
                    ),
                ),
                ("note", models.TextField(blank=True, verbose_name="ghi chú")),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("erased", "Hộ đã bị xóa theo yêu cầu của người dân"),
                            ("outside", "Hộ không còn thuộc các thôn của tổ"),
                            ("stored", "Máy chủ đã lưu bản khác"),
                            ("other", "Lý do khác"),
                        ],
                        max_length=20,
                        verbose_name="lý do",
                    ),
                ),
                ("reason_text", models.CharField(blank=True, max_length=500, verbose_name="lời máy chủ")),
                ("content_hash", models.CharField(editable=False, max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="gửi lúc")),
                ("handled_at", models.DateTimeField(blank=True, null=True, verbose_name="đã xử lý lúc")),
                (
                    "commune",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="field_api.commune",
                        verbose_name="xã",
                    ),
                ),
                (
                    "handled_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="người xử lý",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="field_api.team",
                        verbose_name="tổ",
                    ),
                ),
                (
                    "volunteer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="người gửi",
                    ),
                ),
            ],
            options={
                "verbose_name": "mục chuyển tổ trưởng",
                "verbose_name_plural": "mục chuyển tổ trưởng",
                "indexes": [models.Index(fields=["commune", "created_at"], name="handoff_commune_time")],
            },
        ),
    ]
