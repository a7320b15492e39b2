"""Campaign rollups and export jobs now belong to the campaigns app (campaigns 0001): state only, the
tables stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('maps', '0004_service_tally_visits'),
        ('campaigns', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='campaignservicetally',
                    name='campaign',
                ),
                migrations.RemoveField(
                    model_name='campaignservicetally',
                    name='service',
                ),
                migrations.RemoveField(
                    model_name='campaignservicetally',
                    name='village',
                ),
                migrations.RemoveField(
                    model_name='campaignvillageday',
                    name='campaign',
                ),
                migrations.RemoveField(
                    model_name='campaignvillageday',
                    name='team',
                ),
                migrations.RemoveField(
                    model_name='campaignvillageday',
                    name='village',
                ),
                migrations.RemoveField(
                    model_name='exportjob',
                    name='campaign',
                ),
                migrations.RemoveField(
                    model_name='exportjob',
                    name='requested_by',
                ),
                migrations.DeleteModel(
                    name='CampaignRollupState',
                ),
                migrations.DeleteModel(
                    name='CampaignServiceTally',
                ),
                migrations.DeleteModel(
                    name='CampaignVillageDay',
                ),
                migrations.DeleteModel(
                    name='ExportJob',
                ),
            ],
            database_operations=[],
        ),
    ]
