"""Yearly statistics of the four work platforms for a whole province (PostgreSQL).

Scale (environment): BENCH_PLATFORMS_RECORDS (proposals + information pieces + research topics +
service projects; default 20,000 — the issue's scale is 200,000), BENCH_PLATFORMS_YEARS (over
how many years the records are spread; default 1, i.e. every record falls in the measured
year, the worst case), BENCH_PLATFORMS_BRANCHES (default 1,000), BENCH_PLATFORMS_MEMBERS
(default 30,000), BENCH_PLATFORMS_DB (a PostgreSQL URL; default
postgres://postgres@127.0.0.1:5432/grassroots_bench_platforms — a dedicated database, created
when missing and filled once per scale). Child rows come on top: one to three authors per
proposal and piece, adoptions, leader instructions, group members, outputs, awards, volunteers.

Prints the time of the province staff's yearly statistics (every unit, own and rolled-up
figures, read from the yearly tallies), the totals alone, the same figures computed from the
records (what a tally rebuild does), the per-member statistics and one member's contributions
list: the median of warm runs after one cold run; and the time to rebuild the tallies after
the bulk load.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/grassroots_bench_platforms"
YEAR = 2026
SHARES = {"proposal": 0.40, "information": 0.35, "research": 0.10, "service": 0.15}


def scale() -> tuple[int, int, int, int]:
    return (
        int(os.environ.get("BENCH_PLATFORMS_RECORDS", "20000")),
        int(os.environ.get("BENCH_PLATFORMS_YEARS", "1")),
        int(os.environ.get("BENCH_PLATFORMS_BRANCHES", "1000")),
        int(os.environ.get("BENCH_PLATFORMS_MEMBERS", "30000")),
    )


def main() -> None:
    env = dict(os.environ)
    env["DATABASE_URL"] = os.environ.get("BENCH_PLATFORMS_DB", DEFAULT_DB)
    env["DJANGO_SETTINGS_MODULE"] = "grassroots.config.settings.base"
    subprocess.run([sys.executable, "-m", "bench.bench_platforms", "--child"], env=env, check=True)


def marker_code(records: int, years: int, branches: int, members: int) -> str:
    return f"BP3-{records}-{years}-{branches}-{members}"


def ensure_database(url: str, marker: str) -> bool:
    """True when the database already holds this scale; otherwise it is (re)created empty."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(url) as conn:
            if conn.execute(
                "SELECT 1 FROM organizations_unit WHERE code = %s", [marker]
            ).fetchone():
                return True
    except psycopg.Error:
        pass
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return False


def insert_select(model, values: dict[str, str], source: str) -> int:
    """INSERT INTO model's table SELECT … FROM source; other NOT NULL columns get their
    Python defaults (so that fields added later do not break the benchmark)."""
    from django.db import connection

    columns, exprs, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.column in values:
            columns.append(f'"{f.column}"')
            exprs.append(values[f.column].replace("%", "%%"))
        elif not f.null:
            columns.append(f'"{f.column}"')
            exprs.append("%s")
            params.append(f.get_db_prep_save(f.get_default(), connection))
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) '
        f"SELECT {', '.join(exprs)} FROM {source.replace('%', '%%')}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def _sql(statement: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(statement)


def seed(records: int, years: int, branches: int, members: int) -> None:
    from django.db import transaction

    from grassroots.core import audit
    from grassroots.members.models import Member
    from grassroots.organizations.models import Unit, UnitKind
    from grassroots.organizations.services import unit_create
    from grassroots.platforms.models import (
        InformationAdoption,
        InformationAuthor,
        InformationPiece,
        LeaderInstruction,
        Level,
        Proposal,
        ProposalAuthor,
        ProposalKind,
        ResearchAward,
        ResearchMember,
        ResearchOutput,
        ResearchTopic,
        ServiceKind,
        ServiceProject,
        ServiceVolunteer,
    )

    n = {k: int(records * share) for k, share in SHARES.items()}
    print(f"seeding {records} records ({n}), {branches} branches, {members} members …", flush=True)
    t0 = time.perf_counter()
    first_year = YEAR - years + 1
    # Years by blocks of 13 so that the status patterns (g modulo small numbers) span every year.
    yr = f"({first_year} + (g / 13) % {years})"
    with audit.suppressed(), transaction.atomic():
        root = unit_create(
            code="43", name="省委会", kind=UnitKind.objects.get(code="province"), parent=None
        )
        city_kind = UnitKind.objects.get(code="city")
        cities = [
            unit_create(code=f"43{c:02d}", name=f"市委会{c}", kind=city_kind, parent=root)
            for c in range(1, 15)
        ]
        unit_create(
            code=marker_code(records, years, branches, members),
            name="bench marker",
            kind=city_kind,
            parent=root,
        )
        branch_kind = UnitKind.objects.get(code="branch")
        Unit.objects.bulk_create(
            [
                Unit(
                    code=f"B{i:06d}",
                    name=f"支部{i}",
                    kind=branch_kind,
                    parent=cities[i % len(cities)],
                    path=f"tmp-{i}",
                )
                for i in range(branches)
            ],
            batch_size=2000,
        )
        _sql(
            "UPDATE organizations_unit u SET path = p.path || lpad(u.id::text, 7, '0') || '/',"
            " depth = p.depth + 1 FROM organizations_unit p "
            "WHERE u.parent_id = p.id AND u.path LIKE 'tmp-%'"
        )
        _sql(
            "CREATE TEMP TABLE bu AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS n "
            "FROM organizations_unit WHERE code LIKE 'B%'"
        )
        _sql("CREATE UNIQUE INDEX ON bu (n)")
        insert_select(
            Member,
            {
                "unit_id": "bu.id",
                "name": "'会员' || g",
                "sex": "CASE WHEN g % 2 = 0 THEN 'M' ELSE 'F' END",
                "join_date": "DATE '2010-01-01' + (g % 4000)",
                "status": "'active'",
                "member_number": "'M' || g",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(0, {members - 1}) g JOIN bu ON bu.n = g % {branches}",
        )
        _sql(
            "CREATE TEMP TABLE bm AS SELECT id, unit_id, row_number() OVER (ORDER BY id) - 1 "
            "AS n FROM members_member"
        )
        _sql("CREATE UNIQUE INDEX ON bm (n)")
        kinds = list(ProposalKind.objects.order_by("order").values_list("pk", flat=True))
        levels = list(Level.objects.order_by("order").values_list("pk", flat=True))
        services = list(ServiceKind.objects.order_by("order").values_list("pk", flat=True))

        def arr(ids: list[int]) -> str:
            return "ARRAY[" + ",".join(map(str, ids)) + "]"

        # Proposals: a first author's unit owns it; statuses spread over the lifecycle.
        statuses = (
            "(ARRAY['draft','submitted','received','in_review','selected','returned',"
            "'forwarded','concluded','concluded','archived','withdrawn','merged'])[1 + g % 12]"
        )
        insert_select(
            Proposal,
            {
                "unit_id": "bm.unit_id",
                "kind_id": f"({arr(kinds)})[1 + g % {len(kinds)}]",
                "year": yr,
                "title": "'关于第' || g || '项工作的建议'",
                "body": "'正文'",
                "status": statuses,
                "reference_code": "CASE WHEN g % 12 NOT IN (0, 1, 10) THEN 'TA-' || "
                f"{yr} || '-' || lpad(g::text, 6, '0') END",
                "submitted_at": f"CASE WHEN g % 12 <> 0 THEN make_timestamptz({yr}, 1 + g % 12, "
                "1 + g % 28, 9, 0, 0) END",
                "selected_at": "CASE WHEN g % 12 IN (4, 6, 7, 8, 9) THEN now() END",
                "forwarded_on": f"CASE WHEN g % 12 IN (6, 7, 8, 9) THEN DATE '{YEAR}-06-01' END",
                "filed_as_case": "CASE WHEN g % 12 IN (7, 8, 9) THEN g % 2 = 0 END",
                "adopted": "g % 12 IN (7, 9) OR (g % 12 = 8 AND g % 3 = 0)",
                "adoption_level_id": f"CASE WHEN g % 12 IN (7, 9) OR (g % 12 = 8 AND g % 3 = 0) "
                f"THEN ({arr(levels)})[1 + g % 4] END",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(0, {n['proposal'] - 1}) g JOIN bm ON bm.n = (g * 7919) % {members}",
        )
        _sql(
            "CREATE TEMP TABLE bp AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS n,"
            " unit_id FROM platforms_proposal"
        )
        insert_select(
            ProposalAuthor,
            {"proposal_id": "bp.id", "member_id": "bm.id", "order": "a + 1"},
            "bp CROSS JOIN generate_series(0, 2) a "
            f"JOIN bm ON bm.n = (bp.n * 7919 + a * 104729) % {members} "
            "WHERE a = 0 OR bp.n % (a + 2) = 0",
        )
        insert_select(
            LeaderInstruction,
            {
                "proposal_id": "p.id",
                "leader": "'领导'",
                "level_id": f"({arr(levels)})[1 + p.id % 4]",
                "text": "'阅'",
                "instructed_on": f"DATE '{YEAR}-07-01'",
            },
            "platforms_proposal p WHERE p.adopted AND p.id % 2 = 0",
        )
        _sql(
            "UPDATE platforms_proposal p SET instruction_count = 1 FROM platforms_leaderinstruction i"
            " WHERE i.proposal_id = p.id"
        )
        # Information pieces: half edited, a third adopted (one or two adoptions).
        insert_select(
            InformationPiece,
            {
                "unit_id": "bm.unit_id",
                "year": yr,
                "title": "'信息' || g",
                "body": "''",
                "status": "(ARRAY['submitted','edited','adopted','not_adopted','adopted',"
                "'withdrawn'])[1 + g % 6]",
                "submitted_on": f"make_date({yr}, 1 + g % 12, 1 + g % 28)",
                "points": "CASE WHEN g % 6 IN (2, 4) THEN 5 ELSE 0 END",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(0, {n['information'] - 1}) g "
            f"JOIN bm ON bm.n = (g * 6007) % {members}",
        )
        insert_select(
            InformationAuthor,
            {"piece_id": "p.id", "member_id": "bm.id", "order": "a + 1"},
            "platforms_informationpiece p CROSS JOIN generate_series(0, 1) a "
            f"JOIN bm ON bm.n = (p.id * 6007 + a * 3) % {members} WHERE a = 0 OR p.id % 3 = 0",
        )
        insert_select(
            InformationAdoption,
            {
                "piece_id": "p.id",
                "kind": "'adopted'",
                "outlet": "'刊物'",
                "level_id": f"({arr(levels)})[2]",
                "adopted_on": "p.submitted_on + 10",
                "points": "5",
            },
            "platforms_informationpiece p WHERE p.status = 'adopted'",
        )
        # Research topics with two group members, an output, sometimes an award.
        insert_select(
            ResearchTopic,
            {
                "unit_id": "bm.unit_id",
                "year": yr,
                "title": "'课题' || g",
                "lead_id": "bm.id",
                "status": "(ARRAY['proposed','approved','concluded','cancelled'])[1 + g % 4]",
                "approved_on": f"CASE WHEN g % 4 IN (1, 2) THEN make_date({yr}, 3, 1) END",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(0, {n['research'] - 1}) g JOIN bm ON bm.n = (g * 4001) % {members}",
        )
        insert_select(
            ResearchMember,
            {
                "topic_id": "t.id",
                "member_id": "CASE WHEN a = 0 THEN t.lead_id ELSE bm.id END",
                "order": "a + 1",
                "is_lead": "a = 0",
            },
            "platforms_researchtopic t CROSS JOIN generate_series(0, 1) a "
            f"JOIN bm ON bm.n = (t.id * 4001 + 17) % {members} WHERE a = 0 OR bm.id <> t.lead_id",
        )
        insert_select(
            ResearchOutput,
            {
                "topic_id": "t.id",
                "kind": "'paper'",
                "title": "'论文'",
                "published_on": "make_date(t.year, 9, 1)",
            },
            "platforms_researchtopic t WHERE t.status IN ('approved', 'concluded')",
        )
        insert_select(
            ResearchAward,
            {
                "topic_id": "t.id",
                "name": "'奖'",
                "level_id": f"({arr(levels)})[3]",
                "awarded_on": "make_date(t.year, 11, 1)",
            },
            "platforms_researchtopic t WHERE t.status = 'concluded' AND t.id % 3 = 0",
        )
        # Service projects with three volunteers each.
        insert_select(
            ServiceProject,
            {
                "unit_id": "bu.id",
                "kind_id": f"({arr(services)})[1 + g % {len(services)}]",
                "year": yr,
                "title": "'服务' || g",
                "start_date": f"make_date({yr}, 1 + g % 12, 1 + g % 28)",
                "status": "(ARRAY['planned','ongoing','completed','completed','cancelled'])"
                "[1 + g % 5]",
                "beneficiaries": "g % 200",
                "funds": "(g % 50) * 100",
                "materials_value": "(g % 30) * 50",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"generate_series(0, {n['service'] - 1}) g JOIN bu ON bu.n = g % {branches}",
        )
        insert_select(
            ServiceVolunteer,
            {"project_id": "s.id", "member_id": "bm.id", "hours": "2 + a", "role": "''"},
            "platforms_serviceproject s CROSS JOIN generate_series(0, 2) a "
            f"JOIN bm ON bm.n = (s.id * 3001 + a * 7) % {members}",
        )
        _sql(
            "UPDATE platforms_serviceproject s SET volunteer_count = v.n, volunteer_hours = v.h "
            "FROM (SELECT project_id, count(*) AS n, sum(hours) AS h FROM platforms_servicevolunteer"
            " GROUP BY project_id) v WHERE v.project_id = s.id"
        )
        from grassroots.accounts.models import Role
        from grassroots.accounts.services import user_create

        user_create(
            username="bench-province",
            password=None,
            unit=root,
            role=Role.PROVINCE_STAFF,
            validate=False,
            must_change_password=False,
        )
    _sql("ANALYZE")
    print(f"seeded in {time.perf_counter() - t0:.1f} s", flush=True)


def timed(fn, runs: int = 5) -> tuple[float, float]:
    """(cold seconds, median of warm runs)."""
    t0 = time.perf_counter()
    fn()
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - t0)
    return cold, statistics.median(warm)


def child() -> None:
    records, years, branches, members = scale()
    ready = ensure_database(
        os.environ["DATABASE_URL"], marker_code(records, years, branches, members)
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if not ready:
        seed(records, years, branches, members)

    from django.db import connection

    from grassroots.accounts.models import User
    from grassroots.members.models import Member
    from grassroots.platforms import selectors

    user = User.objects.select_related("unit").get(username="bench-province")
    from grassroots.platforms.services.tally import tally_rebuild

    # Records were loaded in bulk (SQL), so the yearly tallies are rebuilt from them, as after
    # an import; services keep them current record by record otherwise.
    t0 = time.perf_counter()
    tally_rows = sum(tally_rebuild(year=y) for y in range(YEAR - years + 1, YEAR + 1))
    print(
        f"tally rebuild from the records ({years} year(s), {tally_rows} rows): "
        f"{(time.perf_counter() - t0) * 1000:.0f} ms"
    )
    counts = {}
    with connection.cursor() as cur:
        for table in (
            "platforms_proposal",
            "platforms_informationpiece",
            "platforms_researchtopic",
            "platforms_serviceproject",
            "platforms_proposalauthor",
            "platforms_informationauthor",
            "platforms_informationadoption",
            "platforms_servicevolunteer",
        ):
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table.removeprefix("platforms_")] = cur.fetchone()[0]
        cur.execute(
            "SELECT (SELECT count(*) FROM platforms_proposal WHERE year = %s)"
            " + (SELECT count(*) FROM platforms_informationpiece WHERE year = %s)"
            " + (SELECT count(*) FROM platforms_researchtopic WHERE year = %s)"
            " + (SELECT count(*) FROM platforms_serviceproject WHERE year = %s)",
            [YEAR] * 4,
        )
        in_year = cur.fetchone()[0]
    main_records = sum(
        counts[k] for k in ("proposal", "informationpiece", "researchtopic", "serviceproject")
    )
    print(f"scale: {main_records} records ({in_year} in {YEAR}); child rows: {counts}")
    print(f"units: {branches} branches + 15 committees; members: {members}")

    rows: list = []

    def full() -> None:
        rows[:] = selectors.platform_statistics(user=user, year=YEAR)

    cold, warm = timed(full)
    top = rows[0].total
    print(
        f"yearly statistics, every unit own + rolled up ({len(rows)} units): "
        f"cold {cold * 1000:.0f} ms, warm median {warm * 1000:.0f} ms"
    )
    print(
        f"  province totals: proposals submitted {top['proposals_submitted']}, adopted "
        f"{top['proposals_adopted']}; information adopted {top['information_adopted']}, points "
        f"{top['information_points']}; topics {top['research_topics']}; service hours "
        f"{top['service_hours']}"
    )
    cold, warm = timed(lambda: selectors.statistics_totals(user=user, year=YEAR))
    print(f"totals only: cold {cold * 1000:.0f} ms, warm median {warm * 1000:.0f} ms")
    cold, warm = timed(
        lambda: selectors.statistics_by_unit_from_records(user=user, year=YEAR), runs=3
    )
    print(
        f"the same figures computed from the records (no tallies): cold {cold * 1000:.0f} ms, "
        f"warm median {warm * 1000:.0f} ms"
    )
    cold, warm = timed(lambda: selectors.member_statistics(user=user, year=YEAR), runs=3)
    print(f"per-member statistics: cold {cold * 1000:.0f} ms, warm median {warm * 1000:.0f} ms")
    from django.db import transaction

    from grassroots.platforms.services.tally import tally_refresh

    unit_id = rows[-1].unit.pk

    def refresh_all() -> None:
        with transaction.atomic():
            for platform in ("proposals", "information", "research", "service"):
                tally_refresh(unit_id=unit_id, year=YEAR, platform=platform)

    cold, warm = timed(refresh_all)
    print(
        f"what a write adds: refreshing one branch's tally row, all four platforms: "
        f"cold {cold * 1000:.1f} ms, warm median {warm * 1000:.1f} ms"
    )
    member = Member.objects.order_by("id")[members // 2]
    cold, warm = timed(lambda: selectors.member_contributions(member, YEAR))
    print(
        f"one member's contributions: cold {cold * 1000:.1f} ms, warm median {warm * 1000:.1f} ms"
    )
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        main()
