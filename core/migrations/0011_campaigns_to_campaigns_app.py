"""Campaign and CampaignTarget now belong to the campaigns app (campaigns 0001): state only, the tables
stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('field_api', '0010_last_visit_never_in_future'),
        ('campaigns', '0001_initial'),
        ('maps', '0005_campaign_models_to_campaigns_app'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='campaigntarget',
                    name='campaign',
                ),
                migrations.RemoveField(
                    model_name='campaigntarget',
                    name='commune',
                ),
                migrations.RemoveField(
                    model_name='campaigntarget',
                    name='village',
                ),
                migrations.DeleteModel(
                    name='Campaign',
                ),
                migrations.DeleteModel(
                    name='CampaignTarget',
                ),
            ],
            database_operations=[],
        ),
    ]
