"""Campaigns move to their own app with their data: the tables keep their names (``db_table``), so the
database is untouched; only Django's idea of which app owns them changes. field_api 0011 and maps 0005
drop them from their apps' state. Content types (and with them permissions and audit-trail entries)
are relabelled, so a campaign's history stays attached to it."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models

MOVED = {
    "field_api": ["campaign", "campaigntarget"],
    "maps": ["campaignvillageday", "campaignservicetally", "campaignrollupstate", "exportjob"],
}


def _relabel(apps, old_to_new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old_app, models_ in MOVED.items():
        source, target = old_to_new(old_app)
        for model in models_:
            if ContentType.objects.filter(app_label=target, model=model).exists():
                continue  # already there (created by a post_migrate run): keep it
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def forwards(apps, schema_editor):
    _relabel(apps, lambda old_app: (old_app, "campaigns"))


def backwards(apps, schema_editor):
    _relabel(apps, lambda old_app: ("campaigns", old_app))


class Migration(migrations.Migration):

    initial = True

    # After every migration that built these tables where they used to live: on a new database they exist
    # by now, and this migration only tells Django that the campaigns app owns them.
    dependencies = [
        ('field_api', '0010_last_visit_never_in_future'),
        ('maps', '0004_service_tally_visits'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Campaign',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, verbose_name='tên chiến dịch')),
                        ('starts_on', models.DateField(verbose_name='ngày bắt đầu')),
                        ('ends_on', models.DateField(verbose_name='ngày kết thúc')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('communes', models.ManyToManyField(blank=True, related_name='campaigns', to='field_api.commune')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('province', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='campaigns', to='field_api.province')),
                        ('services', models.ManyToManyField(blank=True, related_name='campaigns', to='field_api.service')),
                    ],
                    options={
                        'verbose_name': 'chiến dịch',
                        'verbose_name_plural': 'chiến dịch',
                        'db_table': 'field_api_campaign',
                        'ordering': ['-starts_on', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='CampaignRollupState',
                    fields=[
                        ('campaign', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='campaigns.campaign')),
                        ('refreshed_at', models.DateTimeField()),
                    ],
                    options={
                        'db_table': 'maps_campaignrollupstate',
                    },
                ),
                migrations.CreateModel(
                    name='CampaignServiceTally',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('households', models.PositiveIntegerField(default=0)),
                        ('visits', models.PositiveIntegerField(default=0)),
                        ('people_helped', models.PositiveIntegerField(default=0)),
                        ('services_done', models.PositiveIntegerField(default=0)),
                        ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='campaigns.campaign')),
                        ('service', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='field_api.service')),
                        ('village', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='field_api.village')),
                    ],
                    options={
                        'db_table': 'maps_campaignservicetally',
                    },
                ),
                migrations.CreateModel(
                    name='CampaignTarget',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('households', models.PositiveIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(1000000)], verbose_name='số hộ cần tiếp cận')),
                        ('people', models.PositiveIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(10000000)], verbose_name='số lượt người cần hướng dẫn')),
                        ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='targets', to='campaigns.campaign')),
                        ('commune', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='field_api.commune')),
                        ('village', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='field_api.village')),
                    ],
                    options={
                        'verbose_name': 'chỉ tiêu',
                        'verbose_name_plural': 'chỉ tiêu',
                        'db_table': 'field_api_campaigntarget',
                    },
                ),
                migrations.CreateModel(
                    name='CampaignVillageDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField()),
                        ('visits', models.PositiveIntegerField(default=0)),
                        ('flagged_visits', models.PositiveIntegerField(default=0)),
                        ('households_reached', models.PositiveIntegerField(default=0)),
                        ('people_helped', models.PositiveIntegerField(default=0)),
                        ('unique_people', models.PositiveIntegerField(default=0)),
                        ('working_age_reached', models.PositiveIntegerField(default=0)),
                        ('services_done', models.PositiveIntegerField(default=0)),
                        ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='campaigns.campaign')),
                        ('team', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='field_api.team')),
                        ('village', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='field_api.village')),
                    ],
                    options={
                        'db_table': 'maps_campaignvillageday',
                    },
                ),
                migrations.CreateModel(
                    name='ExportJob',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('format', models.CharField(max_length=10)),
                        ('status', models.CharField(choices=[('queued', 'Đang chờ'), ('running', 'Đang chạy'), ('done', 'Xong'), ('failed', 'Lỗi')], default='queued', max_length=10)),
                        ('progress', models.PositiveSmallIntegerField(default=0)),
                        ('file', models.FileField(blank=True, upload_to='exports/')),
                        ('error', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('touched_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='campaigns.campaign')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'maps_exportjob',
                    },
                ),
                migrations.AddConstraint(
                    model_name='campaign',
                    constraint=models.CheckConstraint(condition=models.Q(('ends_on__gte', models.F('starts_on'))), name='campaign_ends_after_start'),
                ),
                migrations.AddConstraint(
                    model_name='campaigntarget',
                    constraint=models.CheckConstraint(condition=models.Q(('commune__isnull', False), ('village__isnull', False), _connector='XOR'), name='campaigntarget_commune_xor_village'),
                ),
                migrations.AddConstraint(
                    model_name='campaigntarget',
                    constraint=models.UniqueConstraint(fields=('campaign', 'commune'), name='campaigntarget_one_per_commune'),
                ),
                migrations.AddConstraint(
                    model_name='campaigntarget',
                    constraint=models.UniqueConstraint(fields=('campaign', 'village'), name='campaigntarget_one_per_village'),
                ),
                migrations.AddIndex(
                    model_name='campaignvillageday',
                    index=models.Index(fields=['campaign', 'village'], name='campaign_village_day'),
                ),
                migrations.AddIndex(
                    model_name='exportjob',
                    index=models.Index(fields=['status', 'touched_at'], name='exportjob_status_touched'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
