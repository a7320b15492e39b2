"""A member's areas agree: only team roles have a team (and with it its commune), only team roles and
commune leaders have a commune (and with it its province), admins have no area.

Rows that disagree are first given the areas the product's own rule says (``core.models.member_areas``:
the role's own area, or the narrowest one the row names, decides the wider ones; narrower ones go), so
the constraints can be added. The rule is read from the code, right after the code that defines it.
"""

from django.db import migrations, models


def areas_agree(apps, schema_editor):
    from core.models import AreaParents, MemberAreas, member_areas

    User = apps.get_model("field_api", "User")
    parents = AreaParents(
        commune_of_team=dict(apps.get_model("field_api", "Team").objects.values_list("pk", "commune_id")),
        province_of_commune=dict(
            apps.get_model("field_api", "Commune").objects.values_list("pk", "province_id")
        ),
    )
    fixed = []
    rows = User.objects.order_by("pk").values_list("pk", "role", "team_id", "commune_id", "province_id")
    for pk, role, team, commune, province in rows.iterator(chunk_size=5000):
        given = MemberAreas(team, commune, province)
        areas = member_areas(role=role, given=given, parents=parents)
        if areas != given:
            fixed.append(
                User(pk=pk, team_id=areas.team, commune_id=areas.commune, province_id=areas.province)
            )
    User.objects.bulk_update(fixed, ["team", "commune", "province"], batch_size=1000)
    if fixed and schema_editor.connection.vendor == "postgresql":
        # The rows' foreign-key checks are deferred to the commit; PostgreSQL alters no table with
        # checks pending, so they run now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("field_api", "0014_outbox_to_platform"),
    ]

    operations = [
        migrations.RunPython(areas_agree, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("team__isnull", True),
                    models.Q(("commune__isnull", False), ("role__in", ["volunteer", "team_leader"])),
                    _connector="OR",
                ),
                name="member_team_for_team_roles_with_commune",
                violation_error_message="Chỉ thành viên tổ và tổ trưởng thuộc một tổ, và tổ ở một xã.",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("commune__isnull", True),
                    models.Q(
                        ("province__isnull", False),
                        ("role__in", ["volunteer", "team_leader", "commune_leader"]),
                    ),
                    _connector="OR",
                ),
                name="member_commune_below_province_with_province",
                violation_error_message="Cán bộ tỉnh và quản trị không gắn với xã; xã ở một tỉnh.",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("province__isnull", True), models.Q(("role", "admin"), _negated=True), _connector="OR"
                ),
                name="member_province_not_for_admins",
                violation_error_message="Quản trị hệ thống không gắn với tỉnh nào.",
            ),
        ),
    ]
