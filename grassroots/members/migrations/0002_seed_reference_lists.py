from django.db import migrations

ETHNICITIES = (
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 "
    "哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 "
    "达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 "
    "俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族"
).split()
ETHNICITIES_EN = (
    "Han Mongol Hui Tibetan Uyghur Miao Yi Zhuang Buyei Korean Manchu Dong Yao Bai Tujia Hani "
    "Kazakh Dai Li Lisu Wa She Gaoshan Lahu Sui Dongxiang Nakhi Jingpo Kyrgyz Tu "
    "Daur Mulao Qiang Blang Salar Maonan Gelao Xibe Achang Pumi Tajik Nu Uzbek "
    "Russian Evenk Deang Bonan Yugur Gin Tatar Derung Oroqen Hezhen Monpa Lhoba Jino"
).split()

SECTORS = [
    # code, name, english, is_main, aliases
    ("education", "教育", "Education", True, "教育界,基础教育,高等教育"),
    ("culture", "文化", "Culture", True, "文化界,文化艺术,文艺"),
    ("publishing", "出版", "Publishing", True, "出版界,新闻出版,传媒"),
    ("science", "科学技术", "Science and technology", False, "科技,科技界"),
    ("health", "医药卫生", "Medicine and health", False, "医疗,卫生,医卫"),
    ("economy", "经济", "Economy", False, "经济界,企业,工商"),
    ("law", "法律", "Law", False, "法律界,司法"),
    ("government", "党政机关", "Government", False, "机关,政府"),
    ("other", "其他", "Other", False, ""),
]

EDUCATION = [
    ("doctorate", "博士研究生", "Doctoral", 7, True, "博士,博士研究生"),
    ("masters", "硕士研究生", "Master's", 6, True, "硕士,研究生,硕士研究生"),
    ("bachelor", "大学本科", "Bachelor's", 5, True, "本科,大学本科,大学,大本"),
    ("college", "大学专科", "Junior college", 4, False, "大专,专科,大学专科"),
    ("secondary", "中专/高中", "Secondary", 3, False, "中专,高中,中技,职高"),
    ("junior", "初中及以下", "Junior secondary or below", 2, False, "初中,小学"),
]

TITLES = [
    (
        "full-senior",
        "正高级",
        "Full senior",
        "full_senior",
        "正高,教授,研究员,主任医师,正高级工程师,编审",
    ),
    (
        "deputy-senior",
        "副高级",
        "Deputy senior",
        "deputy_senior",
        "副高,副教授,副研究员,副主任医师,高级工程师,高级教师,副编审",
    ),
    (
        "intermediate",
        "中级",
        "Intermediate",
        "intermediate",
        "中级,讲师,工程师,主治医师,一级教师,编辑",
    ),
    ("junior-title", "初级", "Junior", "junior", "初级,助教,助理工程师,二级教师"),
    ("no-title", "无职称", "None", "none", "无,未评"),
]

ARRANGEMENT_KINDS = [
    ("npc-deputy", "人大代表", "People's congress deputy", "人大代表"),
    ("npc-standing", "人大常委", "People's congress standing committee member", "人大常委会委员"),
    ("cppcc-member", "政协委员", "CPPCC member", "政协委员"),
    ("cppcc-standing", "政协常委", "CPPCC standing committee member", "政协常委"),
    ("government-post", "政府职务", "Government post", "政府领导职务,政府职务"),
    ("judicial-post", "司法职务", "Judicial post", "法院,检察院"),
    ("special-inspector", "特约人员", "Special inspector", "特约监督员,特约检察员"),
]

ARRANGEMENT_LEVELS = [
    ("national", "全国", "National", 4, "国家,全国"),
    ("provincial", "省级", "Provincial", 3, "省,省级"),
    ("city", "市级", "City", 2, "市,市级,地市"),
    ("county", "县级", "County", 1, "县,区,县区,县级"),
]

TALENT_KINDS = [
    ("scholar", "专家学者", "Expert or scholar", "专家,学者,教授"),
    ("culture", "文化名人", "Cultural figure", "主持人,作家,艺术家"),
    ("entrepreneur", "企业家", "Entrepreneur", "企业家,董事长"),
    ("young-official", "年轻干部", "Young official", "干部,副区长"),
    ("professional", "专业技术人才", "Professional", "专业人才"),
]


def seed(apps, schema_editor):
    get = apps.get_model
    for i, (name, en) in enumerate(zip(ETHNICITIES, ETHNICITIES_EN, strict=True)):
        get("members", "Ethnicity").objects.update_or_create(
            code=f"e{i + 1:02d}",
            defaults={
                "name": name,
                "name_en": en,
                "order": i + 1,
                "aliases": name.removesuffix("族"),
            },
        )
    for i, (code, name, en, main, aliases) in enumerate(SECTORS):
        get("members", "Sector").objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": en, "is_main": main, "aliases": aliases, "order": i},
        )
    for i, (code, name, en, rank, bachelor, aliases) in enumerate(EDUCATION):
        get("members", "Education").objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": en,
                "rank": rank,
                "bachelor_or_higher": bachelor,
                "aliases": aliases,
                "order": i,
            },
        )
    for i, (code, name, en, grade, aliases) in enumerate(TITLES):
        get("members", "Title").objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": en, "grade": grade, "aliases": aliases, "order": i},
        )
    for i, (code, name, en, aliases) in enumerate(ARRANGEMENT_KINDS):
        get("members", "ArrangementKind").objects.update_or_create(
            code=code, defaults={"name": name, "name_en": en, "aliases": aliases, "order": i}
        )
    for i, (code, name, en, rank, aliases) in enumerate(ARRANGEMENT_LEVELS):
        get("members", "ArrangementLevel").objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": en, "rank": rank, "aliases": aliases, "order": i},
        )
    for i, (code, name, en, aliases) in enumerate(TALENT_KINDS):
        get("members", "TalentKind").objects.update_or_create(
            code=code, defaults={"name": name, "name_en": en, "aliases": aliases, "order": i}
        )


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
