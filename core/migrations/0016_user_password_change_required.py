from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("field_api", "0015_member_areas_agree")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="password_change_required",
            field=models.BooleanField(default=False, verbose_name="phải đổi mật khẩu"),
        ),
    ]
