from django.db import migrations

KINDS = [
    ("province", "省委会", "Provincial committee", 1, 1),
    ("city", "市委会", "City committee", 2, 2),
    ("county", "县区委会", "County/district committee", 3, 3),
    ("general-branch", "总支部", "General branch", 4, 4),
    ("branch", "支部", "Branch", 4, 5),
    ("grassroots-committee", "基层委员会", "Grassroots committee", 4, 6),
]


def seed(apps, schema_editor):
    UnitKind = apps.get_model("organizations", "UnitKind")
    for code, name, name_en, level, order in KINDS:
        UnitKind.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "level": level, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
