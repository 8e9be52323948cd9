"""Seed the usual activity kinds (data: a preset may rename or add kinds)."""

from decimal import Decimal

from django.db import migrations

KINDS = [
    ("org-life", "组织生活会", False, "2", 10),
    ("study", "学习会", True, "2", 20),
    ("thematic-training", "专题培训", True, "4", 30),
    ("backbone-training", "骨干培训", True, "8", 40),
    ("research-trip", "调研考察", False, "0", 50),
    ("visit-forum", "走访座谈", False, "0", 60),
    ("social-service", "社会服务", False, "0", 70),
]


def seed(apps, schema_editor):
    ActivityKind = apps.get_model("branches", "ActivityKind")
    for code, name, training, hours, order in KINDS:
        ActivityKind.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "is_training": training,
                "default_hours": Decimal(hours),
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("branches", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
