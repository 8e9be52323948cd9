"""Roster import and export at scale: a generated xlsx (default 100,000 rows, realistic content)
imported in create mode with every validation, on SQLite and on PostgreSQL, next to the floor
(python-calamine read alone plus a raw bulk insert: COPY on PostgreSQL, executemany on SQLite).

Each phase runs in its own process so that its peak memory (max RSS) is its own.
Environment: GRASSROOTS_BENCH_IMPORT_ROWS (default 100000), GRASSROOTS_BENCH_IMPORT_DBS
(default "sqlite,postgresql"), GRASSROOTS_BENCH_PG (default
postgres://postgres@127.0.0.1:5432/grassroots_bench_import; the database is dropped and
recreated).
"""

from __future__ import annotations

import datetime
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.gettempdir()) / "grassroots_bench_import"
PG_URL = os.environ.get(
    "GRASSROOTS_BENCH_PG", "postgres://postgres@127.0.0.1:5432/grassroots_bench_import"
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧阳司马"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅志强海燕文博宇轩子涵欣怡浩然思远俊杰晓东雪梅玉兰春燕国庆卫东"
EMPLOYERS = ["湖南大学", "中南大学", "长沙市第一中学", "湖南省人民医院", "湘雅医院", "长沙银行"]
POSTS = ["教师", "副教授", "主任医师", "工程师", "会计师", "律师", "研究员", "处长"]
EDUCATION = ["大学本科", "本科", "硕士研究生", "研究生", "博士", "大专"]
TITLES = ["正高级", "副教授", "中级", "讲师", "高级工程师", "无"]
SECTORS = ["教育", "文化", "医药卫生", "科技", "经济", "法律"]
MOBILE = [*(f"13{d}" for d in range(10)), "150", "151", "152", "158", "159", "186", "187", "189"]
REGIONS = ["430102", "430103", "430104", "430105", "430111", "430121", "430202", "430203"]
HEADER = [
    "序号",
    "姓名",
    "性别",
    "民族",
    "身份证号",
    "出生日期",
    "手机号码",
    "学历",
    "职称",
    "界别",
    "工作单位",
    "职务",
    "入会日期",
    "所属支部",
]


def _id_number(region: str, birth: datetime.date, seq: int, sex: str) -> str:
    from stdnum.cn import ric

    sex_digit = (seq % 5) * 2 + (1 if sex == "M" else 0)
    body = f"{region}{birth:%Y%m%d}{seq // 5 % 100:02d}{sex_digit}"
    return body + ric.calc_check_digit(body + "0")


def generate(path: Path, rows: int) -> None:
    import xlsxwriter

    rng = random.Random(20261125)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("花名册")
    ws.write_string(0, 0, "长沙市委会会员花名册")
    for col, name in enumerate(HEADER):
        ws.write_string(2, col, name)
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    used: set[str] = set()
    r = 2
    for n in range(rows):
        sex = rng.choice("MF")
        while True:
            birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randint(0, 18000))
            number = _id_number(rng.choice(REGIONS), birth, rng.randint(0, 499), sex)
            if number not in used:
                used.add(number)
                break
        r += 1
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        ws.write_number(r, 0, n + 1)
        ws.write_string(r, 1, name)
        ws.write_string(r, 2, "男" if sex == "M" else "女")
        ws.write_string(r, 3, "汉族" if rng.random() < 0.9 else "土家族")
        ws.write_string(r, 4, number)
        if n % 3 == 0:
            ws.write_string(r, 5, f"{birth.year}.{birth.month:02d}")
        else:
            ws.write_datetime(r, 5, datetime.datetime.combine(birth, datetime.time()), date)
        ws.write_string(r, 6, f"{rng.choice(MOBILE)}{rng.randint(0, 99_999_999):08d}")
        ws.write_string(r, 7, rng.choice(EDUCATION))
        ws.write_string(r, 8, rng.choice(TITLES))
        ws.write_string(r, 9, rng.choice(SECTORS))
        ws.write_string(r, 10, rng.choice(EMPLOYERS))
        ws.write_string(r, 11, rng.choice(POSTS))
        ws.write_string(r, 12, f"{rng.randint(1985, 2025)}年{rng.randint(1, 12)}月")
        ws.write_string(r, 13, rng.choice(["", "430101", "长沙第一支部", "430102"]))
    ws.write_string(r + 2, 0, "制表人：王某某")
    wb.close()


# --- phases (each in its own process) -------------------------------------------------------


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.config.settings.dev")
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_setup(url: str) -> dict:
    _django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from grassroots.accounts.models import User
    from grassroots.organizations.models import Unit, UnitKind
    from grassroots.organizations.services import unit_create

    def unit(code: str, name: str, kind: str, parent: Unit | None) -> Unit:
        found = Unit.objects.filter(code=code).first()
        return found or unit_create(
            code=code, name=name, kind=UnitKind.objects.get(code=kind), parent=parent
        )

    province = unit("43", "湖南省委会", "province", None)
    city = unit("4301", "长沙市委会", "city", province)
    unit("430101", "长沙第一支部", "branch", city)
    unit("430102", "长沙第二支部", "branch", city)
    if not User.objects.filter(username="bench").exists():
        User.objects.create_superuser("bench", "bench@example.org", "bench-pass-2026")
    return {}


def phase_floor(url: str, path: str) -> dict:
    _django(url)
    import python_calamine
    from django.db import connection

    start = time.perf_counter()
    sheet = python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    rows = sheet.to_python(skip_empty_area=False)
    read = time.perf_counter() - start
    data = [tuple("" if v is None else str(v) for v in row[:14]) for row in rows[3:] if row[1]]
    columns = ", ".join(f"c{i} text" for i in range(14))
    start_insert = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_floor ({columns})")
        if connection.vendor == "postgresql":
            with cursor.cursor.copy("COPY bench_floor FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * 14)
            cursor.executemany(f"INSERT INTO bench_floor VALUES ({marks})", data)
        cursor.execute("DROP TABLE bench_floor")
    insert = time.perf_counter() - start_insert
    return {"read_s": read, "insert_s": insert, "floor_s": read + insert, "rows": len(data)}


def phase_import(url: str, path: str) -> dict:
    _django(url)
    from grassroots.accounts.models import User
    from grassroots.core import context
    from grassroots.members.models import Member
    from grassroots.organizations.models import Unit
    from grassroots.transfer import services

    if Member.objects.exists():
        raise SystemExit("the bench database already holds members: run main() to recreate it")
    user = User.objects.get(username="bench")
    unit = Unit.objects.get(code="4301")
    before = _peak_mb()
    start = time.perf_counter()
    with context.acting(user, source="cli"):
        report = services.import_members(path=Path(path), unit=unit, actor=user)
    elapsed = time.perf_counter() - start
    return {
        "import_s": elapsed,
        "rows": report.rows,
        "created": report.created,
        "errors": len(report.errors),
        "first_error": report.errors[0].as_dict() if report.errors else None,
        "peak_mb": _peak_mb(),
        "baseline_mb": before,
        "phases": report.timings,
    }


def phase_export(url: str) -> dict:
    _django(url)
    from grassroots.accounts.models import User
    from grassroots.core import context
    from grassroots.transfer import services

    user = User.objects.get(username="bench")
    start = time.perf_counter()
    with context.acting(user, source="cli"):
        data, count = services.members_export(actor=user, params={})
    elapsed = time.perf_counter() - start
    return {"export_s": elapsed, "rows": count, "bytes": len(data), "peak_mb": _peak_mb()}


def _run(phase: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_import", phase, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{phase} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _recreate_pg() -> None:
    import psycopg

    base, _sep, name = PG_URL.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    rows = int(os.environ.get("GRASSROOTS_BENCH_IMPORT_ROWS", "100000"))
    dbs = os.environ.get("GRASSROOTS_BENCH_IMPORT_DBS", "sqlite,postgresql").split(",")
    WORK.mkdir(exist_ok=True)
    path = WORK / f"members-{rows}.xlsx"
    if not path.exists():
        start = time.perf_counter()
        generate(path, rows)
        print(f"generated {path.name}: {rows} rows in {time.perf_counter() - start:.1f}s")
    for db in dbs:
        if db == "postgresql":
            _recreate_pg()
            url = PG_URL
        else:
            sqlite = WORK / "bench.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite}{suffix}").unlink(missing_ok=True)
            url = f"sqlite:///{sqlite}"
        _run("setup", url)
        load_before = os.getloadavg()[0]
        floor = _run("floor", url, str(path))
        result = _run("import", url, str(path))
        load_after = os.getloadavg()[0]
        export = _run("export", url)
        ratio = result["import_s"] / floor["floor_s"]
        print(
            f"[{db}] load average (1 min): {load_before:.2f} before the floor, {load_after:.2f} after the import"
        )
        print(
            f"[{db}] floor: calamine read {floor['read_s']:.2f}s + raw insert "
            f"{floor['insert_s']:.2f}s = {floor['floor_s']:.2f}s ({floor['rows']} rows)"
        )
        print(
            f"[{db}] import: {result['rows']} rows, created {result['created']}, errors "
            f"{result['errors']} in {result['import_s']:.2f}s = "
            f"{result['rows'] / result['import_s']:.0f} rows/s; {ratio:.1f}x floor; "
            f"peak RSS {result['peak_mb']:.0f} MB (process baseline {result['baseline_mb']:.0f} MB)"
        )
        phases = result.get("phases") or {}
        if phases:
            shown = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in phases.items())
            print(f"[{db}] import phases: {shown}")
        if result["first_error"]:
            print(f"[{db}] first error: {result['first_error']}")
        print(
            f"[{db}] export: {export['rows']} members in {export['export_s']:.2f}s = "
            f"{export['rows'] / max(export['export_s'], 1e-9):.0f} rows/s, "
            f"{export['bytes'] / 1e6:.1f} MB xlsx, peak RSS {export['peak_mb']:.0f} MB"
        )


if __name__ == "__main__" and len(sys.argv) > 1:
    phase, rest = sys.argv[1], sys.argv[2:]
    result = {"setup": phase_setup, "floor": phase_floor, "import": phase_import}.get(phase)
    output = result(*rest) if result else phase_export(*rest)
    print(json.dumps(output))
elif __name__ == "__main__":
    main()
