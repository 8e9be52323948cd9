"""The PostgreSQL writers produce the same rows as members.services.member_bulk_create: the COPY
writer, and the streaming path (validated and copied slice by slice) that falls back to the full
path, with the full path's report, whenever something has to be reported."""

import datetime
import threading

import pytest
from django.db import connection

from grassroots.core import audit, context, ids, sensitive
from grassroots.core.audit import AuditEvent
from grassroots.members.models import Member, NameKey, StatusChange
from grassroots.members.tests.factories import create_member
from grassroots.planning import spells
from grassroots.planning.models import Spell
from grassroots.transfer import bulk, services, stream, values
from grassroots.transfer.models import ImportJob
from grassroots.transfer.tests.helpers import person, write_xlsx

VOLATILE = {"id", "member_number", "created_at", "updated_at", "id_number"}
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is the PostgreSQL path"
)


def snapshot():
    members = {}
    for m in Member.objects.order_by("name"):
        row = {f.attname: f.value_from_object(m) for f in Member._meta.concrete_fields}
        row = {k: v for k, v in row.items() if k not in VOLATILE}
        row["id_number"] = m.id_number
        row["keys"] = sorted(
            NameKey.objects.filter(member=m).values_list("key", "unit_id", "sort_key")
        )
        row["history"] = list(
            StatusChange.objects.filter(member=m).values_list(
                "from_status", "to_status", "date", "reason", "recorded_by"
            )
        )
        row["spells"] = list(Spell.objects.filter(member=m).values_list(*spells.COLUMNS[1:]))
        event = AuditEvent.objects.get(
            object_type="members.member", object_id=str(m.pk), action="create"
        )
        changes = dict(event.changes)
        for volatile in ("id", "member_number"):
            changes.pop(volatile, None)
        row["audit"] = (
            changes,
            event.unit_path,
            event.operation,
            event.actor_username,
            event.object_repr,
            event.source,
            event.actor_id,
        )
        members[m.name] = row
    return members


def forget_members():
    with audit.maintenance():  # the audit log is append-only outside set-up
        AuditEvent.objects.filter(object_type="members.member").delete()
    Member.objects.all().delete()


@postgres_only
def test_copy_path_matches_member_bulk_create(province, tmp_path, monkeypatch):
    people = [person(i) for i in range(3)]
    rows = [
        [i, p["name"], p["sex"], p["id"], p["birth"], "13800138000", "本科", "430101" if i else ""]
        for i, p in enumerate(people)
    ]
    rows[1][1] = "曾乐乐"
    path = write_xlsx(tmp_path / "same.xlsx", rows)
    user = province.users["city_a"]

    monkeypatch.setattr(bulk, "COPY_THRESHOLD", 1)
    monkeypatch.setattr(services, "_streamed", lambda *args: False)  # the COPY writer itself
    with context.acting(user, source="cli"):
        services.import_members(path=path, unit=province.city_a, actor=user)
    copied = snapshot()
    forget_members()
    monkeypatch.setattr(bulk, "COPY_THRESHOLD", 10**9)
    with context.acting(user, source="cli"):
        services.import_members(path=path, unit=province.city_a, actor=user)
    assert snapshot() == copied
    assert len(copied) == 3
    summary = AuditEvent.objects.filter(action="bulk", object_type="members.member")
    assert summary.count() == 1  # the COPY run's summary was deleted with the others above


# --- the streaming path -------------------------------------------------------------------

HEADER = [
    "序号",
    "姓名",
    "性别",
    "民族",
    "身份证号",
    "出生日期",
    "手机号码",
    "电子邮箱",
    "学历",
    "学位",
    "职称",
    "界别",
    "工作单位",
    "职务",
    "入会日期",
    "会员编号",
    "优才",
    "优才类别",
    "所属支部",
]
COL = {name: n for n, name in enumerate(HEADER)}


def rich_rows(count=7):
    """Every kind of column, blanks, month-only birth dates, a row without an ID, units by
    code, name and blank, a member number of the file's own, text with a backslash."""
    rows = []
    for i in range(count):
        p = person(i, sex="F" if i % 3 == 0 else "M")
        birth = p["birth"]
        rows.append(
            [
                i + 1,
                "曾乐乐" if i == 1 else p["name"],
                p["sex"] if i % 2 else "",  # from the ID when empty
                ["汉族", "土家族", "", "回族"][i % 4],
                "" if i == 5 else p["id"],
                [birth, f"{birth.year}.{birth.month:02d}", ""][i % 3],
                "13800138000" if i % 2 else " 139 0013 8000 ",
                "a@example.org" if i == 2 else "",
                ["本科", "大学本科", "硕士研究生", ""][i % 4],
                ["学士", "", "硕士", "无"][i % 4],
                ["正高级", "副教授", "", "中级"][i % 4],
                ["教育", "文化", "", "医药卫生"][i % 4],
                " 湖南大学 " if i % 2 else "",
                "教授\\副院长" if i == 3 else "教师",
                ["2003年5月", "", "2010-07-01", "2019.03"][i % 4],
                "M-0004" if i == 4 else "",
                "是" if i == 2 else "",
                "专家学者" if i == 2 else "",
                ["", "430101", "长沙第二支部", ""][i % 4],
            ]
        )
    return rows


def run(province, path, **kwargs):
    user = province.users["city_a"]
    with context.acting(user, source="cli"):
        return services.import_members(path=path, unit=province.city_a, actor=user, **kwargs)


@pytest.fixture
def streaming(monkeypatch):
    """The streaming path for any size, several slices even for a few rows; records whether it
    wrote (``calls`` holds True per streamed import, False per fallback)."""
    monkeypatch.setattr(bulk, "COPY_THRESHOLD", 1)
    monkeypatch.setattr(stream, "SLICE", 2)
    calls = []
    real = services._streamed

    def spy(*args):
        calls.append(real(*args))
        return calls[-1]

    monkeypatch.setattr(services, "_streamed", spy)
    return calls


@postgres_only
def test_streaming_path_writes_the_rows_of_the_copy_writer_and_the_orm(
    province, tmp_path, monkeypatch, streaming
):
    path = write_xlsx(tmp_path / "rich.xlsx", rich_rows(), header=HEADER, text_id_column=None)
    report = run(province, path)
    assert streaming == [True]
    assert report.exit_code == 0 and report.created == 7 and report.written
    streamed = snapshot()
    assert len(streamed) == 7
    assert Member.objects.get(member_number="M-0004")
    replayed = spells.replay(Member.objects.values_list("pk", flat=True))
    assert sorted(replayed) == sorted(Spell.objects.values_list(*spells.COLUMNS))
    job = ImportJob.objects.get(pk=report.job.pk)
    assert job.state == ImportJob.State.DONE and job.created == 7
    summary = AuditEvent.objects.get(action="bulk", object_type="members.member")
    assert summary.extra == {"count": 7, "file": "rich.xlsx", "job": job.pk}

    forget_members()
    monkeypatch.setattr(services, "_streamed", lambda *args: False)  # the COPY writer
    run(province, path)
    assert snapshot() == streamed
    forget_members()
    monkeypatch.setattr(bulk, "COPY_THRESHOLD", 10**9)  # member_bulk_create
    run(province, path)
    assert snapshot() == streamed


def _bad_cell(rows):
    rows[5][COL["学历"]] = "不存在的学历"


def _duplicate_id(rows):
    rows[6][COL["身份证号"]] = rows[0][COL["身份证号"]]


def _sex_against_id(rows):
    rows[4][COL["性别"]] = "女"  # person 4 is a man


def _month_against_id(rows):
    rows[4][COL["出生日期"]] = "1901.01"


def _no_name(rows):
    rows[3][COL["姓名"]] = ""


def _no_sex_no_id(rows):
    rows[5][COL["性别"]] = ""


def _duplicate_number(rows):
    rows[6][COL["会员编号"]] = "M-0004"


def _id_lost_digits(rows):
    rows[3][COL["身份证号"]] = 4.30102197503081e17


def _bad_phone(rows):
    rows[6][COL["手机号码"]] = "12345"


def _outside_unit(rows):
    rows[6][COL["所属支部"]] = "430201"  # 株洲: not under 长沙


def _registered(rows, province):
    parsed = ids.parse(rows[6][COL["身份证号"]])
    create_member(
        province.branch_a1, id_number=parsed.value, sex=parsed.sex, birth_date=parsed.birth_date
    )


def _number_taken(rows, province):
    create_member(province.branch_a1, member_number="M-0004")


@postgres_only
@pytest.mark.parametrize(
    "spoil",
    [
        _bad_cell,
        _duplicate_id,
        _sex_against_id,
        _month_against_id,
        _no_name,
        _no_sex_no_id,
        _duplicate_number,
        _id_lost_digits,
        _bad_phone,
        _outside_unit,
        _registered,
        _number_taken,
    ],
)
def test_streaming_path_gives_way_to_the_full_report(
    province, tmp_path, monkeypatch, streaming, spoil
):
    rows = rich_rows()
    if spoil in (_registered, _number_taken):
        spoil(rows, province)
    else:
        spoil(rows)
    before = Member.objects.count()
    threads = threading.active_count()
    path = write_xlsx(tmp_path / "spoilt.xlsx", rows, header=HEADER, text_id_column=None)
    report = run(province, path)
    assert streaming == [False]
    assert report.errors and not report.written and report.exit_code == 1
    assert Member.objects.count() == before
    assert not AuditEvent.objects.filter(
        action="create", object_type="members.member", operation=services.OPERATION
    ).exists()
    assert Spell.objects.count() == before
    assert threading.active_count() == threads
    assert ImportJob.objects.get(pk=report.job.pk).state == ImportJob.State.REJECTED
    # The report is the full path's own.
    monkeypatch.setattr(services, "_streamed", lambda *args: False)
    again = run(province, path)
    assert report.as_json() == again.as_json()
    assert report.error_workbook and again.error_workbook
    # Foreign keys are deferred again for the rest of the caller's transaction.
    with connection.cursor() as cursor:
        cursor.execute("SHOW transaction_isolation")  # the transaction is usable


@postgres_only
def test_streaming_progress_and_a_crash_rolls_everything_back(
    province, tmp_path, monkeypatch, streaming
):
    path = write_xlsx(tmp_path / "rich.xlsx", rich_rows(), header=HEADER, text_id_column=None)
    seen = []
    report = run(province, path, progress=lambda done, total: seen.append((done, total)))
    assert report.created == 7
    assert seen == [(2, 7), (4, 7), (6, 7), (7, 7), (7, 7)]
    forget_members()

    real = stream.StreamImport._tables
    calls = []

    def crash(self, *args):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return real(self, *args)

    monkeypatch.setattr(stream.StreamImport, "_tables", crash)
    threads = threading.active_count()
    with pytest.raises(RuntimeError, match="disk on fire"):
        run(province, path)
    assert not Member.objects.exists() and not Spell.objects.exists()
    assert not NameKey.objects.exists() and not StatusChange.objects.exists()
    assert threading.active_count() == threads


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_job_progress_is_seen_by_others_while_the_stream_runs(province, tmp_path, streaming):
    """The console polls the job's progress: the writer thread reports it on a connection of
    its own, so it is committed while the import's transaction is still open."""
    from django.db import connections

    path = write_xlsx(tmp_path / "rich.xlsx", rich_rows(), header=HEADER, text_id_column=None)
    user = province.users["city_a"]
    job = ImportJob.objects.create(
        unit=province.city_a,
        created_by=user,
        actor_username=user.username,
        source="web",
        file_name="rich.xlsx",
        mode="create",
        state=ImportJob.State.RUNNING,
    )
    seen = []
    report_progress = services.job_progress(job)

    def look() -> None:  # another session, as the console's poll
        seen.append(ImportJob.objects.get(pk=job.pk).progress)
        connections.close_all()

    def observed(done, total):
        report_progress(done, total)
        if done < total:
            reader = threading.Thread(target=look)
            reader.start()
            reader.join()

    with context.acting(user, source="web"):
        report = services.import_members(
            path=path, unit=province.city_a, actor=user, job=job, progress=observed
        )
    assert report.created == 7 and streaming == [True]
    assert seen and seen[0] == 28  # 2 of 7 rows, committed while the import was running
    job.refresh_from_db()
    assert job.progress == 100 and job.state == ImportJob.State.DONE


def test_fast_hash_and_encryption_equal_the_core_ones():
    number = ids.build("430102", datetime.date(1975, 3, 8), 7, "F")
    assert sensitive.fast_keyed_hash()(number) == sensitive.keyed_hash(number)
    assert sensitive.fast_keyed_hash("tail")(number[-4:]) == sensitive.keyed_hash(
        number[-4:], "tail"
    )
    sealed = sensitive.fast_encrypt()([number, "", number])
    assert sealed[1] == ""
    assert sealed[0] != sealed[2]  # a nonce of its own each
    assert [sensitive.decrypt(s) for s in (sealed[0], sealed[2])] == [number, number]
    assert sealed[0].startswith("g1:")


def test_fast_id_parse_takes_today_once():
    number = ids.build("430102", datetime.date(2020, 3, 8), 7, "F")
    assert values.parse_id(number, datetime.date(2024, 1, 1)) == ids.parse(number)
    # A stale "today" only sends the number to the full rules, which decide with the real one.
    assert values.parse_id(number, datetime.date(2019, 1, 1)) == ids.parse(number)
    future = ids.build("430102", datetime.date.today() + datetime.timedelta(days=2), 7, "F")
    with pytest.raises(ids.IdNumberError):
        values.parse_id(future, datetime.date.today())
