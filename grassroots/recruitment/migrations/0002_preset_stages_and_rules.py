"""The preset for this party: the nine stages and the admission conditions (editable data)."""

from django.db import migrations

GRASSROOTS, CITY, PROVINCE = 4, 2, 1
BRANCH_ROLES = ["branch-officer", "unit-staff"]


def f(name, label, kind="text", required=True):
    return {"name": name, "label": label, "type": kind, "required": required}


STAGES = [
    (1, "submit", "提交申请", "form", GRASSROOTS, BRANCH_ROLES, [], {}),
    (2, "introducers", "介绍人确认", "introducers", GRASSROOTS, BRANCH_ROLES, [], {"count": 2}),
    (
        3,
        "talk",
        "考察谈话",
        "record",
        GRASSROOTS,
        BRANCH_ROLES,
        [f("talker", "谈话人"), f("talk_date", "谈话日期", "date"), f("conclusion", "考察结论")],
        {},
    ),
    (
        4,
        "employer-opinion",
        "征求意见",
        "record",
        GRASSROOTS,
        BRANCH_ROLES,
        [
            f("employer_org", "所在单位党组织"),
            f("letter_sent_on", "发函日期", "date"),
            f("reply", "回复意见"),
            f("reply_on", "回复日期", "date"),
        ],
        {},
    ),
    (
        5,
        "branch-meeting",
        "支部讨论",
        "record",
        GRASSROOTS,
        BRANCH_ROLES,
        [
            f("meeting_date", "会议日期", "date"),
            f("total", "应到人数", "int"),
            f("present", "实到人数", "int"),
            f("votes_for", "赞成票", "int"),
            f("votes_against", "反对票", "int"),
            f("votes_abstain", "弃权票", "int"),
            f("minutes", "会议记录"),
        ],
        {"quorum_share": 0.5, "majority_share": 0.5},
    ),
    (6, "city-review", "市委会审核", "review", CITY, ["unit-staff"], [], {}),
    (7, "province-approval", "省委会审批", "approval", PROVINCE, ["province-staff"], [], {}),
    (
        8,
        "filing",
        "备案",
        "filing",
        PROVINCE,
        ["province-staff"],
        [
            f("batch_number", "批次号", required=False),
            f("sent_on", "报送日期", "date", False),
            f("reply_on", "回复日期", "date", False),
            f("reply", "中央回复", required=False),
        ],
        {},
    ),
    (
        9,
        "admission",
        "入会",
        "admission",
        PROVINCE,
        ["province-staff"],
        [],
        {"join_date": "approval"},
    ),
]

RULES = [
    (
        "age",
        "年龄不超过55岁（优才除外）",
        "max_age",
        {"max": 55, "exempt_talents": True},
        "申请时年龄{age}岁，超过{max}岁（非优才）",
        "fail",
    ),
    (
        "education-or-title",
        "本科及以上学历或中级及以上职称",
        "education_or_title",
        {"title_grades": ["full_senior", "deputy_senior", "intermediate"]},
        "学历为{education}、职称为{title}，未达到本科学历或中级职称",
        "fail",
    ),
    ("main-sector", "主界别", "main_sector", {}, "界别为{sector}，不属于主界别", "warning"),
    ("no-other-party", "未加入其他党派", "no_other_party", {}, "已加入{party}", "fail"),
    ("id-number", "身份证号有效且未登记", "id_valid_unregistered", {}, "{problem}", "fail"),
]


def seed(apps, schema_editor):
    Stage = apps.get_model("recruitment", "Stage")
    Rule = apps.get_model("recruitment", "AdmissionRule")
    for order, code, name, kind, level, roles, fields, params in STAGES:
        Stage.objects.update_or_create(
            code=code,
            defaults={
                "order": order,
                "name": name,
                "kind": kind,
                "actor_level": level,
                "actor_roles": roles,
                "fields": fields,
                "params": params,
            },
        )
    for i, (code, name, kind, params, message, severity) in enumerate(RULES):
        Rule.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "params": params,
                "message": message,
                "severity": severity,
                "order": i + 1,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("recruitment", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
