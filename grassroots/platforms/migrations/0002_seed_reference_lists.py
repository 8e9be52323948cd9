from decimal import Decimal

from django.db import migrations

LEVELS = [
    # code, name, english, rank, information points
    ("national", "国家级", "National", 50, "10"),
    ("provincial", "省级", "Provincial", 40, "5"),
    ("city", "市级", "City", 30, "2"),
    ("county", "县区级", "County", 20, "1"),
    ("party-central", "本党派中央刊物", "Party central publications", 35, "4"),
    ("party-provincial", "本党派省级刊物", "Party provincial publications", 25, "2"),
]

PROPOSAL_KINDS = [
    # code, name, english, prefix, collective
    ("collective", "集体提案", "Collective proposal", "TA", True),
    ("individual", "个人提案", "Individual proposal", "TA", False),
    ("suggestion", "建议", "Suggestion", "JY", False),
    ("social-conditions", "社情民意信息", "Social-conditions information", "SQ", False),
]

SERVICE_KINDS = [
    ("education-aid", "捐资助学", "Education aid"),
    ("free-clinic", "义诊", "Free clinics"),
    ("rural-support", "乡村振兴帮扶", "Rural support"),
    ("culture", "文化下乡", "Culture to the countryside"),
    ("legal-aid", "法律援助", "Legal aid"),
    ("training", "送教培训", "Teaching and training"),
    ("disaster-relief", "抗灾救助", "Disaster relief"),
    ("other", "其他", "Other"),
]


def seed(apps, schema_editor):
    Level = apps.get_model("platforms", "Level")
    PointRule = apps.get_model("platforms", "InformationPointRule")
    ProposalKind = apps.get_model("platforms", "ProposalKind")
    ServiceKind = apps.get_model("platforms", "ServiceKind")
    for order, (code, name, en, rank, points) in enumerate(LEVELS, 1):
        level, _ = Level.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": en, "rank": rank, "order": order}
        )
        PointRule.objects.get_or_create(level=level, defaults={"points": Decimal(points)})
    for order, (code, name, en, prefix, collective) in enumerate(PROPOSAL_KINDS, 1):
        ProposalKind.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": en,
                "prefix": prefix,
                "collective": collective,
                "order": order,
            },
        )
    for order, (code, name, en) in enumerate(SERVICE_KINDS, 1):
        ServiceKind.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": en, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("platforms", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
