"""The demo province: a Hunan-like unit tree, members with a plausible history, officers and
staff accounts. Deterministic for a seed; scales to a million members with bulk row writes.

The rows written are the ones ``members.services.member_bulk_create`` (plus
``member_set_status`` and the transfer services) would write — derived columns (pinyin,
keyed hashes, masked and encrypted ID), search keys, the "建档" status row and member
numbers from the same sequences — but inserted with COPY/executemany for speed. The whole
run records one summary audit event.
"""

from __future__ import annotations

import bisect
import collections
import concurrent.futures
import datetime
import itertools
import multiprocessing as mp
import os
import random
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from faker.providers.person.zh_CN import Provider as ZhNames

from grassroots.accounts.models import Role, User
from grassroots.accounts.services import user_create
from grassroots.core import audit, context, ids, pinyin, sequences
from grassroots.core.demo.regions import City, hunan_cities
from grassroots.core.demo.writer import RowWriter, copy_line, copy_text
from grassroots.core.models import AuditEvent
from grassroots.core.models import Sequence as CounterSequence
from grassroots.core.sensitive import fast_encrypt, fast_keyed_hash, keyed_hash, mask_id_number
from grassroots.members.models import (
    ArrangementKind,
    ArrangementLevel,
    Education,
    Ethnicity,
    Member,
    MemberStatus,
    NameKey,
    Officer,
    PoliticalArrangement,
    Sector,
    StatusChange,
    TalentKind,
    Title,
    Transfer,
)
from grassroots.members.services import members_written
from grassroots.organizations.models import Unit, UnitKind, path_segment

ACTIVE = MemberStatus.ACTIVE.value
PROVINCE_CODE = "43"
PROVINCE_NAME = "湖南省委会"
DEMO_PASSWORD = "grassroots-demo-2026"
MEMBER_USERNAME = "demo-member"
PORTAL_MEMBERS = 5  # member portal accounts: demo-member, demo-member-2 …
CHUNK = 20_000  # members per chunk; fixed, so that a seed gives the same data on any machine
WORKERS = 2  # processes building chunks (the main one writes them)
OPERATION = "demo_generate"

# City-level branches per city code, and the county committees (region code) with branches.
CITY_BRANCHES = {
    "4301": 24, "4302": 7, "4303": 6, "4304": 9, "4305": 5, "4306": 6, "4307": 8,
    "4308": 3, "4309": 4, "4310": 5, "4311": 5, "4312": 5, "4313": 4, "4331": 4,
}  # fmt: skip
COUNTY_COMMITTEES = {"430181": 3, "430182": 3, "430121": 3, "430281": 2, "430481": 2, "430681": 2}
CITY_WEIGHT = {"4301": 2.2, "4302": 1.0, "4303": 0.9, "4304": 1.1, "4306": 1.0, "4307": 1.0}
BRANCH_TOPICS = [
    "教育第一", "文化", "出版传媒", "高校", "中小学", "科技", "医卫", "文艺", "教育第二",
    "图书馆", "职业教育", "社科", "经济", "法律", "教育第三", "新闻", "艺术院校", "教育第四",
    "机关", "退休", "青年", "学前教育", "非遗保护", "博物馆", "民办教育", "综合",
]  # fmt: skip
PROVINCE_DIRECT = [
    ("湖南大学委员会", "grassroots-committee"),
    ("中南大学委员会", "grassroots-committee"),
    ("湖南师范大学总支部", "general-branch"),
    ("湖南出版投资控股集团总支部", "general-branch"),
    ("湖南省社会科学院支部", "branch"),
    ("湖南省图书馆支部", "branch"),
    ("湖南广播电视台支部", "branch"),
    ("湖南省文化馆支部", "branch"),
    ("湖南省教育科学研究院支部", "branch"),
    ("湖南省博物馆支部", "branch"),
]

ETHNICITY_WEIGHTS = {"汉族": 90.0, "土家族": 4.0, "苗族": 3.0, "侗族": 1.5, "瑶族": 1.0,
                     "回族": 0.2, "白族": 0.2, "壮族": 0.1}  # fmt: skip
SECTOR_WEIGHTS = {"education": 38, "culture": 17, "publishing": 12, "science": 10, "health": 9,
                  "economy": 5, "law": 3, "government": 3, "other": 3}  # fmt: skip
EDUCATION_WEIGHTS = {"doctorate": 9, "masters": 24, "bachelor": 46, "college": 13,
                     "secondary": 6, "junior": 2}  # fmt: skip
TITLE_BY_AGE = [  # (max age, weights over full-senior, deputy-senior, intermediate, junior, none)
    (35, [1, 12, 50, 25, 12]),
    (45, [8, 38, 40, 6, 8]),
    (60, [22, 42, 26, 3, 7]),
    (200, [25, 38, 22, 3, 12]),
]
TALENT_WEIGHTS = {"scholar": 35, "culture": 25, "entrepreneur": 15, "young-official": 10,
                  "professional": 15}  # fmt: skip
ARRANGEMENT_WEIGHTS = {"cppcc-member": 40, "npc-deputy": 25, "cppcc-standing": 8,
                       "npc-standing": 4, "government-post": 12, "judicial-post": 3,
                       "special-inspector": 8}  # fmt: skip
LEVEL_WEIGHTS = {"county": 45, "city": 35, "provincial": 17, "national": 3}
PHONE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                  "152", "153", "155", "156", "158", "159", "177", "180", "181", "186", "187",
                  "188", "189", "199"]  # fmt: skip
EMPLOYERS = {
    "education": (["{c}市第一中学", "{c}市第二中学", "{c}市实验小学", "{c}学院",
                   "{c}职业技术学院", "{c}市教育科学研究所", "湖南师范大学", "湖南大学",
                   "中南大学", "湖南第一师范学院"],
                  ["教师", "高级教师", "教研员", "副校长", "教授", "副教授", "讲师", "系主任"]),
    "culture": (["{c}市文化馆", "{c}市图书馆", "{c}市博物馆", "{c}市群众艺术馆",
                 "湖南省歌舞剧院", "湖南省美术家协会", "{c}市文联"],
                ["馆员", "研究馆员", "副馆长", "演员", "画家", "策展人", "作家"]),
    "publishing": (["湖南人民出版社", "湖南教育出版社", "湖南文艺出版社", "岳麓书社",
                    "湖南科学技术出版社", "{c}日报社", "湖南广播电视台"],
                   ["编辑", "副编审", "编审", "记者", "主任", "主持人", "出版人"]),
    "science": (["{c}市科学技术协会", "湖南省农业科学院", "{c}高新区管委会", "国防科技大学"],
                ["研究员", "副研究员", "工程师", "高级工程师", "所长"]),
    "health": (["{c}市中心医院", "{c}市人民医院", "湘雅医院", "{c}市疾病预防控制中心"],
               ["主任医师", "副主任医师", "主治医师", "护士长", "科主任"]),
    "economy": (["{c}市工商联", "湖南某科技有限公司", "{c}市农村商业银行", "{c}文化传媒有限公司"],
                ["董事长", "总经理", "财务总监", "经济师"]),
    "law": (["{c}市律师事务所", "{c}市中级人民法院", "{c}市人民检察院"],
            ["律师", "合伙人", "法官", "检察官"]),
    "government": (["{c}市教育局", "{c}市文化旅游广电局", "{c}市政协", "{c}市统计局"],
                   ["副局长", "处长", "科长", "主任科员"]),
    "other": (["{c}市社区服务中心", "{c}市退休教师协会", "自由职业"], ["职员", "退休", "顾问"]),
}  # fmt: skip
OTHER_PROVINCES = ["湖北省委会", "广东省委会", "江西省委会", "广西区委会", "重庆市委会",
                   "贵州省委会", "北京市委会", "上海市委会"]  # fmt: skip


@dataclass
class DemoResult:
    members: int = 0
    units: int = 0
    users: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process, all threads: writing, and chunks built here
    worker_cpu_seconds: float = 0.0  # the worker processes that built chunks
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)  # role, user, pw, unit
    already_existed: bool = False
    reset: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.members / self.seconds if self.seconds else 0.0


def demo_exists() -> bool:
    return Unit.objects.filter(code=PROVINCE_CODE).exists()


class Weighted:
    """Fast weighted choice by bisecting cumulative weights with one random() call."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _between(rng: random.Random, lo: datetime.date, hi: datetime.date, skew: float = 1.0):
    span = (hi - lo).days
    return lo + datetime.timedelta(days=int((rng.random() ** skew) * max(span, 0)))


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


# The member columns a chunk fills, in its rows' order; then the defaults of columns it does
# not know (added later by other apps), then the member number, given out in the main process.
MEMBER_COLUMNS = [
    "id", "unit_id", "name", "sex", "ethnicity_id", "birth_date", "id_number", "id_number_hash",
    "id_tail_hash", "id_number_masked", "phone", "email", "education_id", "degree", "title_id",
    "sector_id", "employer", "post", "is_talent", "talent_kind_id", "join_date", "status",
    "status_date", "photo", "user_id", "pinyin_full", "pinyin_initials", "created_at",
    "updated_at",
]  # fmt: skip
ID_NUMBER = MEMBER_COLUMNS.index("id_number")


class Chunk(NamedTuple):
    """One chunk of members as built (in a worker process or here), ready to write."""

    position: int  # the chunk's index
    taken: frozenset[int]  # ID numbers (first 17 digits) it was told to avoid
    numbers: list[int]  # the ID numbers it gave (first 17 digits)
    years: list[int]  # each member's join year and unit, for the member number
    unit_ids: list[int]
    candidates: dict[int, list[tuple[int, str, bool]]]  # unit -> (member, name, under 68)
    members: list[Any]  # COPY lines up to the member number, or tuples
    keys: Any  # COPY text (bytes), or lists of tuples
    history: Any
    transfers: Any
    arrangements: Any


class _MemberNumbers:
    """Member numbers per join year from the counters in ``core.sequences``. The first number
    of a year in this run locks the year's counter for the transaction (reserving nothing);
    ``close`` reserves what was given: two statements per year, not two per year and chunk."""

    def __init__(self) -> None:
        self.format = settings.GRASSROOTS_MEMBER_NUMBER_FORMAT
        self.first: dict[int, int] = {}
        self.given: dict[int, int] = {}

    def next(self, year: int, unit_code: str) -> str:
        given = self.given.get(year)
        if given is None:
            self.first[year] = sequences.next_value(f"member_number:{year}", count=0)
            given = 0
        self.given[year] = given + 1
        return self.format.format(year=year, seq=self.first[year] + given, unit=unit_code)

    def close(self) -> None:
        for year, given in self.given.items():
            first = sequences.next_value(f"member_number:{year}", count=given)
            if first != self.first[year]:  # cannot happen while the lock is held
                raise RuntimeError(f"member_number:{year} moved during the demo load")


_BUILDER: Generator | None = None  # the generator whose chunks forked workers build


def _chunk_in_worker(index: int) -> Chunk:
    assert _BUILDER is not None
    return _BUILDER._chunk(index)


# --- the unit tree -----------------------------------------------------------------------


@dataclass
class UnitInfo:
    unit: Unit
    city: City | None
    holds_members: bool
    weight: float = 0.0
    candidates: list[tuple[int, str]] = field(default_factory=list)  # (member id, name)


class Generator:
    def __init__(self, *, seed: int, members: int, log: Callable[[str], None] = print) -> None:
        self.seed, self.count, self.log = seed, members, log
        self.rng = random.Random(seed * 7919 + 1)  # the tree and officers; chunks have their own
        self.today = timezone.localdate()
        self.reference = datetime.date(self.today.year, 1, 1)
        self.writer = RowWriter()
        self.now = timezone.now()
        self.units: list[UnitInfo] = []
        self.by_code: dict[str, UnitInfo] = {}
        self.pinyin_cache: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        self.birth_digits: dict[datetime.date, str] = {}
        self.tail_hashes: dict[str, str] = {}  # a few thousand distinct last-four digits
        self.exact_hash = fast_keyed_hash("exact")
        self.encrypt = fast_encrypt()
        self.kinds = {k.code: k for k in UnitKind.objects.all()}
        self.refs = self._references()
        self.unit_count = 0
        self.cities = hunan_cities()
        self.actor = context.current().actor_username  # "system", or the user of --as

    # reference lists -------------------------------------------------------------------
    def _references(self) -> dict[str, Any]:
        def by_code(model: Any) -> dict[str, Any]:
            return {r.code: r.pk for r in model.objects.all()}

        ethnic = {r.name: r.pk for r in Ethnicity.objects.all()}
        sectors, edus, titles = by_code(Sector), by_code(Education), by_code(Title)
        title_codes = ["full-senior", "deputy-senior", "intermediate", "junior-title", "no-title"]
        return {
            "ethnicity": Weighted(
                [ethnic.get(n) for n in ETHNICITY_WEIGHTS], list(ETHNICITY_WEIGHTS.values())
            ),
            "sector": Weighted(list(SECTOR_WEIGHTS), list(SECTOR_WEIGHTS.values())),
            "sector_pk": sectors,
            "education": Weighted(list(EDUCATION_WEIGHTS), list(EDUCATION_WEIGHTS.values())),
            "education_pk": edus,
            "titles": [
                (age, Weighted([titles.get(c) for c in title_codes], w)) for age, w in TITLE_BY_AGE
            ],
            "senior_titles": {titles.get("full-senior"), titles.get("deputy-senior")},
            "talent": Weighted(
                [by_code(TalentKind).get(c) for c in TALENT_WEIGHTS], list(TALENT_WEIGHTS.values())
            ),
            "arrangement": Weighted(list(ARRANGEMENT_WEIGHTS), list(ARRANGEMENT_WEIGHTS.values())),
            "arrangement_pk": by_code(ArrangementKind),
            "level": Weighted(list(LEVEL_WEIGHTS), list(LEVEL_WEIGHTS.values())),
            "level_pk": by_code(ArrangementLevel),
            "surname": Weighted(list(ZhNames.last_names), list(ZhNames.last_names.values())),
        }

    # units -----------------------------------------------------------------------------
    def _unit(
        self,
        code: str,
        name: str,
        kind: str,
        parent: UnitInfo | None,
        city: City | None,
        holds: bool,
        weight: float = 0.0,
        short: str = "",
    ) -> UnitInfo:
        """What organizations.services.unit_create writes, without its per-unit audit event."""
        self.unit_count += 1
        founded = datetime.date(1984 + self.rng.randrange(36), 1 + self.rng.randrange(12), 1)
        if parent is not None and parent.unit.founded_on and founded < parent.unit.founded_on:
            founded = parent.unit.founded_on
        unit = Unit(
            code=code,
            name=name,
            short_name=short,
            kind=self.kinds[kind],
            parent=parent.unit if parent else None,
            founded_on=founded,
            order=self.unit_count,
            path=f"tmp-{code}",
            depth=(parent.unit.depth + 1) if parent else 0,
        )
        unit.save()
        unit.path = (parent.unit.path if parent else "") + path_segment(unit.pk)
        Unit.objects.filter(pk=unit.pk).update(path=unit.path)
        info = UnitInfo(unit=unit, city=city, holds_members=holds, weight=weight)
        self.units.append(info)
        self.by_code[code] = info
        return info

    def build_tree(self) -> None:
        cities = hunan_cities()
        capital = cities[0]
        province = self._unit(PROVINCE_CODE, PROVINCE_NAME, "province", None, capital, False)
        province.unit.founded_on = datetime.date(1984, 1, 1)
        Unit.objects.filter(pk=province.unit.pk).update(founded_on=province.unit.founded_on)
        for i, (name, kind) in enumerate(PROVINCE_DIRECT, start=1):
            self._unit(f"43-{i:02d}", name, kind, province, capital, True, 1.3)
        for city in cities:
            factor = CITY_WEIGHT.get(city.code, 0.8)
            name = f"{city.short}州委会" if "自治州" in city.name else f"{city.name}委会"
            city_info = self._unit(city.code, name, "city", province, city, True, 0.6 * factor)
            city_info.unit.short_name = city.short
            Unit.objects.filter(pk=city_info.unit.pk).update(short_name=city.short)
            for i in range(CITY_BRANCHES[city.code]):
                topic = BRANCH_TOPICS[i % len(BRANCH_TOPICS)]
                self._unit(
                    f"{city.code}-{i + 1:02d}",
                    f"{city.name}{topic}支部",
                    "branch",
                    city_info,
                    city,
                    True,
                    factor * (0.5 + self.rng.random()),
                )
            for county_code, county_name in city.counties:
                branches = COUNTY_COMMITTEES.get(county_code)
                if not branches:
                    continue
                county = self._unit(
                    county_code, f"{county_name}委会", "county", city_info, city, True, 0.3
                )
                for i in range(branches):
                    topic = BRANCH_TOPICS[i % len(BRANCH_TOPICS)]
                    self._unit(
                        f"{county_code}-{i + 1:02d}",
                        f"{county_name}{topic}支部",
                        "branch",
                        county,
                        city,
                        True,
                        factor * (0.4 + self.rng.random() * 0.6),
                    )
        holders = [u for u in self.units if u.holds_members]
        self.holders = Weighted(holders, [u.weight for u in holders])
        self.log(f"units: {len(self.units)}")

    # members ---------------------------------------------------------------------------
    def _name_data(self, name: str) -> tuple[str, str, tuple[str, ...]]:
        cached = self.pinyin_cache.get(name)
        if cached is None:
            cached = self.pinyin_cache[name] = pinyin.name_pinyin(name)
        return cached

    def _birth_digits(self, birth: datetime.date) -> str:
        digits = self.birth_digits.get(birth)
        if digits is None:
            digits = self.birth_digits[birth] = f"{birth:%Y%m%d}"
        return digits

    def _identity(
        self, r: random.Random, city: City | None, used: set[int], lane: int
    ) -> tuple[str, str, datetime.date, str]:
        sex = "M" if r.random() < 0.56 else "F"
        given = ZhNames.first_names_male if sex == "M" else ZhNames.first_names_female
        name = self.refs["surname"].pick(r) + given[int(r.random() * len(given))]
        age_days = int(r.triangular(28.05, 79.95, 50) * 365.25)
        birth = self.reference - datetime.timedelta(days=age_days)
        cities = self.cities
        home = city if city is not None and r.random() < 0.75 else cities[int(r.random() * 14)]
        while True:
            region = home.counties[int(r.random() * len(home.counties))][0]
            sequence = int(r.random() * self.per_lane) * self.lanes + lane
            number = ids.compose(region + self._birth_digits(birth), sequence, sex)
            key = int(number[:17])
            if key not in used:
                used.add(key)
                return name, sex, birth, number
            birth += datetime.timedelta(days=1)

    def members(self) -> Iterator[int]:
        """Generate and write members chunk by chunk (in worker processes when there are
        several chunks); yields the running count.

        Each chunk draws from its own generators, seeded from the seed and the chunk's index,
        so a chunk is the same wherever it is built. What crosses chunks is settled here, in
        chunk order: ID numbers already given (a chunk that repeats one is built again with
        those numbers taken), member numbers (per join year, from the counters) and the few
        members per unit kept as officer candidates.
        """
        fields = self.writer.columns(Member)
        self.defaults = self.writer.defaults(fields, [*MEMBER_COLUMNS, "member_number"])
        self.member_cols = [*MEMBER_COLUMNS, *self.defaults, "member_number"]
        self.first_id = self.writer.reserve_ids(Member, self.count)
        self.seeded = len(self.holders.items) * min(3, self.count // len(self.holders.items))
        # The 500 sequence numbers of a region, birth date and sex are dealt out among the
        # chunks, so that two chunks cannot give the same ID number (a chunk only checks its
        # own); from 500 chunks on they share, and a repeat is caught below.
        self.lanes = min(-(-self.count // CHUNK), ids.SEQUENCES)
        self.per_lane = ids.SEQUENCES // self.lanes
        numbers = _MemberNumbers()
        codes = {u.unit.pk: u.unit.code for u in self.units}
        by_pk = {u.unit.pk: u for u in self.units}
        used: set[int] = set()
        written = 0
        for chunk in self._chunks():
            while clash := used.intersection(chunk.numbers):
                chunk = self._chunk(chunk.position, chunk.taken | clash)  # rare: a few a million
            used.update(chunk.numbers)
            for unit_pk, found in chunk.candidates.items():
                kept = by_pk[unit_pk].candidates
                for pk, name, young in found:
                    if len(kept) >= 16:
                        break
                    if young or not kept:
                        kept.append((pk, name))
            member_numbers = [
                numbers.next(year, codes[unit_pk])
                for year, unit_pk in zip(chunk.years, chunk.unit_ids, strict=True)
            ]
            self._write(chunk, member_numbers)
            written += len(chunk.numbers)
            yield written
        numbers.close()
        self.writer.sync_sequence(Member)

    def _chunks(self) -> Iterator[Chunk]:
        """The chunks in order: built by worker processes on a machine with more than one
        core (forked after the unit tree is built; they never touch the database), else here."""
        count = -(-self.count // CHUNK)
        workers = min(WORKERS, count, os.cpu_count() or 1)
        if workers < 2 or "fork" not in mp.get_all_start_methods():
            for index in range(count):
                yield self._chunk(index)
            return
        global _BUILDER
        _BUILDER = self
        try:
            with concurrent.futures.ProcessPoolExecutor(
                max_workers=workers, mp_context=mp.get_context("fork")
            ) as pool:
                pending: collections.deque[concurrent.futures.Future[Chunk]] = collections.deque()
                submitted = 0
                while pending or submitted < count:
                    # A couple of chunks ahead per worker: they keep building while this
                    # process waits on COPY, and memory stays bounded.
                    while submitted < count and len(pending) < 2 * workers:
                        pending.append(pool.submit(_chunk_in_worker, submitted))
                        submitted += 1
                    yield pending.popleft().result()
        finally:
            _BUILDER = None

    def _chunk(self, index: int, taken: frozenset[int] = frozenset()) -> Chunk:
        """Chunk ``index``: its members with search keys, history and arrangements, as COPY
        text on PostgreSQL (all but the member number, the last column) or adapted tuples."""
        base = (self.seed * 1_000_003 + index) * 2
        ids_rng = random.Random(base)  # names, sexes, births, ID numbers
        r = random.Random(base + 1)  # everything else
        refs, w = self.refs, self.writer
        first = self.first_id + index * CHUNK
        size = min(CHUNK, self.count - index * CHUNK)
        used = set(taken)
        lane = index % self.lanes
        rows: list[list[Any]] = []
        plain: list[str] = []
        keys: list[Any] = []  # tuples, or COPY lines
        history: list[Any] = []
        transfers: list[tuple] = []
        arrangements: list[tuple] = []
        candidates: dict[int, list[tuple[int, str, bool]]] = {}
        years: list[int] = []
        unit_ids: list[int] = []
        now = w.adapt_datetime(self.now)
        # Search keys and first status rows, nine in ten of the rows, are spelt out as COPY text
        # straight away on PostgreSQL: pinyin is ASCII letters, the rest numbers and constants.
        text = w.is_postgres
        opened = "\t建档\t" + copy_line([self.actor, now])
        exact_hash, tail_hashes = self.exact_hash, self.tail_hashes
        defaults = list(self.defaults.values())
        today = self.today
        for pk in range(first, first + size):
            index_ = pk - self.first_id
            if index_ < self.seeded:  # every unit first gets a few members, then by weight
                holder: UnitInfo = self.holders.items[index_ % len(self.holders.items)]
            else:
                holder = self.holders.pick(r)
            name, sex, birth, number = self._identity(ids_rng, holder.city, used, lane)
            full, initials, name_keys = self._name_data(name)
            age = (self.reference - birth).days / 365.25
            join_lo = max(datetime.date(1980, 1, 1), _add_years(birth, 25))
            join = _between(r, join_lo, today - datetime.timedelta(days=1), 0.8)
            sector = refs["sector"].pick(r)
            edu = refs["education"].pick(r)
            if age > 65 and edu in ("doctorate", "masters") and r.random() < 0.5:
                edu = "bachelor"
            title = next(t for limit, t in refs["titles"] if age <= limit).pick(r)
            employers, posts = EMPLOYERS[sector]
            city_short = holder.city.short if holder.city else "长沙"
            employer = employers[int(r.random() * len(employers))].format(c=city_short)
            tail = number[-4:]
            tail_hash = tail_hashes.get(tail)
            if tail_hash is None:
                tail_hash = tail_hashes[tail] = keyed_hash(tail, "tail")
            talent = r.random() < (0.06 if title in refs["senior_titles"] else 0.015)
            unit_pk = holder.unit.pk
            ethnicity = refs["ethnicity"].pick(r)
            phone = (
                PHONE_PREFIXES[int(r.random() * len(PHONE_PREFIXES))]
                + f"{int(r.random() * 1e8):08d}"
                if r.random() < 0.85
                else ""
            )
            email = f"{full}{pk % 997}@example.cn" if r.random() < 0.3 else ""
            degree = {"doctorate": "doctor", "masters": "master"}.get(
                edu, "bachelor" if edu == "bachelor" and r.random() < 0.85 else ""
            )
            post = posts[int(r.random() * len(posts))]
            talent_kind = refs["talent"].pick(r) if talent else None
            if text:
                history.append(f"{pk}\t\t{ACTIVE}\t{join.isoformat()}{opened}")
            else:
                history.append((pk, "", ACTIVE, w.adapt_date(join), "建档", self.actor, now))
            status, status_date = self._history(
                r, pk, join, holder, age, history, transfers, index_ >= self.seeded
            )
            if text:
                keys.extend([f"{pk}\t{k}\t{unit_pk}\t{full}\n" for k in name_keys])
            else:
                keys.extend([(pk, k, unit_pk, full) for k in name_keys])
            if r.random() < (0.09 if title in refs["senior_titles"] else 0.02):
                arrangements.append(self._arrangement(r, pk, join, holder))
            if status == ACTIVE:
                found = candidates.setdefault(unit_pk, [])
                # What the officers need of this chunk: its first active member and up to
                # 16 more under 68 (see ``members``).
                if len(found) < 17 and (age < 68 or not found):
                    found.append((pk, name, age < 68))
            years.append(join.year)
            unit_ids.append(unit_pk)
            plain.append(number)
            rows.append(
                [
                    pk, unit_pk, name, sex, ethnicity, w.adapt_date(birth), None,
                    exact_hash(number), tail_hash, mask_id_number(number), phone, email,
                    refs["education_pk"].get(edu), degree, title, refs["sector_pk"].get(sector),
                    employer, post, talent, talent_kind, w.adapt_date(join), status,
                    w.adapt_date(status_date), "", None, full, initials, now, now, *defaults,
                ]
            )  # fmt: skip
        for row, token in zip(rows, self.encrypt(plain), strict=True):
            row[ID_NUMBER] = token
        numbers = [int(n[:17]) for n in plain]
        if not w.is_postgres:
            return Chunk(
                index, taken, numbers, years, unit_ids, candidates,
                [tuple(row) for row in rows], keys, history, transfers, arrangements,
            )  # fmt: skip
        return Chunk(
            index, taken, numbers, years, unit_ids, candidates,
            [copy_line(row, end="\t").encode() for row in rows],
            "".join(keys).encode(),
            "".join([h if type(h) is str else copy_line(h) for h in history]).encode(),
            copy_text(transfers), copy_text(arrangements),
        )  # fmt: skip

    def _history(
        self,
        r: random.Random,
        pk: int,
        join: datetime.date,
        holder: UnitInfo,
        age: float,
        history: list[tuple],
        transfers: list[tuple],
        may_leave: bool = True,
    ) -> tuple[str, datetime.date]:
        """Past transfers and a terminal status for some, as the services would record them;
        returns the member's status and its date."""
        w = self.writer
        earliest = join + datetime.timedelta(days=180)
        if earliest >= self.today:
            return ACTIVE, join
        end = self.today
        roll = r.random()
        terminal = None
        if roll < 0.002 + max(0.0, age - 60) * 0.003:
            terminal = (MemberStatus.DECEASED.value, "病故")
        elif roll < 0.07 + max(0.0, age - 60) * 0.003:
            pass
        elif roll < 0.085:
            terminal = (MemberStatus.RESIGNED.value, "本人申请退会")
        elif roll < 0.086:
            terminal = (MemberStatus.EXPELLED.value, "严重违纪")
        elif roll < 0.094:
            terminal = (MemberStatus.TRANSFERRED_OUT.value, "")
        if not may_leave:  # each unit's first members stay, so that it has officers
            terminal = None
        terminal_date = _between(r, earliest, self.today) if terminal else None
        if terminal_date:
            end = terminal_date
        if r.random() < 0.05 and end > earliest:  # moved within the province in a past year
            source: UnitInfo = self.holders.pick(r)
            if source is not holder:
                moved = _between(r, earliest, end)
                at = w.adapt_datetime(_at(moved))
                transfers.append(
                    (pk, Transfer.Kind.INTERNAL.value, Transfer.State.ACCEPTED.value,
                     source.unit.pk, holder.unit.pk, "", "", None, None, "工作调动",
                     self.actor, at, self.actor, at, w.adapt_date(moved), "")
                )  # fmt: skip
        elif r.random() < 0.015:  # arrived from another province when joining here
            letter = join
            at = w.adapt_datetime(_at(letter))
            transfers.append(
                (pk, Transfer.Kind.IN.value, Transfer.State.ACCEPTED.value, None, holder.unit.pk,
                 OTHER_PROVINCES[int(r.random() * len(OTHER_PROVINCES))],
                 f"转字{letter.year}第{pk % 1000:03d}号", w.adapt_date(letter), None, "",
                 self.actor, at, self.actor, at, w.adapt_date(letter), "")
            )  # fmt: skip
        if terminal and terminal_date:
            status, reason = terminal
            if status == MemberStatus.TRANSFERRED_OUT:
                org = OTHER_PROVINCES[int(r.random() * len(OTHER_PROVINCES))]
                reason = f"转往{org}"
                receipt = min(terminal_date + datetime.timedelta(days=21), self.today)
                at = w.adapt_datetime(_at(terminal_date))
                transfers.append(
                    (pk, Transfer.Kind.OUT.value, Transfer.State.ACCEPTED.value, holder.unit.pk,
                     None, org, f"湘转字{terminal_date.year}第{pk % 1000:03d}号",
                     w.adapt_date(terminal_date), w.adapt_date(receipt), "工作调动", self.actor,
                     at, self.actor, w.adapt_datetime(_at(receipt)), w.adapt_date(terminal_date), "")
                )  # fmt: skip
            history.append(
                (pk, ACTIVE, status, w.adapt_date(terminal_date), reason, self.actor,
                 w.adapt_datetime(_at(terminal_date)))
            )  # fmt: skip
            return status, terminal_date
        return ACTIVE, join

    def _arrangement(
        self, r: random.Random, pk: int, join: datetime.date, holder: UnitInfo
    ) -> tuple:
        refs, w = self.refs, self.writer
        kind = refs["arrangement"].pick(r)
        level = refs["level"].pick(r)
        if kind == "government-post" and level == "national":
            level = "provincial"
        place = {"national": "全国", "provincial": "湖南省"}.get(
            level, holder.city.name if holder.city else "长沙市"
        )
        body_kind = "人大" if kind.startswith("npc") else "政协"
        if kind in ("government-post", "judicial-post", "special-inspector"):
            body_kind = {"government-post": "人民政府", "judicial-post": "人民检察院"}.get(
                kind, "监察委员会"
            )
        post = {
            "npc-deputy": "代表", "npc-standing": "常委会委员", "cppcc-member": "委员",
            "cppcc-standing": "常委", "government-post": "副市长" if level == "city" else "副职",
            "judicial-post": "副检察长", "special-inspector": "特约监察员",
        }[kind]  # fmt: skip
        starts = [y for y in (2008, 2013, 2018, 2023) if y >= join.year and y <= self.today.year]
        start_year = starts[int(r.random() * len(starts))] if starts else self.today.year
        start = datetime.date(start_year, 1, 15)
        end = datetime.date(start_year + 5, 1, 14)
        return (
            pk,
            refs["arrangement_pk"][kind],
            refs["level_pk"][level],
            f"{place}{body_kind}",
            post,
            w.adapt_date(start),
            w.adapt_date(end) if end < self.today else None,
        )

    def _write(self, chunk: Chunk, member_numbers: list[str]) -> None:
        w = self.writer
        if w.is_postgres:
            ends = [f"{number}\n".encode() for number in member_numbers]
            lines = zip(chunk.members, ends, strict=True)
            members: Any = b"".join(itertools.chain.from_iterable(lines))
        else:
            members = [
                (*row, number) for row, number in zip(chunk.members, member_numbers, strict=True)
            ]
        w.insert(Member, self.member_cols, members)
        w.insert(NameKey, ["member_id", "key", "unit_id", "sort_key"], chunk.keys)
        w.insert(
            StatusChange,
            ["member_id", "from_status", "to_status", "date", "reason", "recorded_by",
             "recorded_at"],
            chunk.history,
        )  # fmt: skip
        w.insert(
            Transfer,
            ["member_id", "kind", "state", "from_unit_id", "to_unit_id", "external_org",
             "letter_number", "letter_date", "receipt_date", "reason", "started_by",
             "started_at", "decided_by", "decided_at", "effective_date", "note"],
            chunk.transfers,
        )  # fmt: skip
        w.insert(
            PoliticalArrangement,
            ["member_id", "kind_id", "level_id", "body", "post", "start_date", "end_date"],
            chunk.arrangements,
        )

    # officers and accounts -------------------------------------------------------------
    def officers(self) -> dict[str, tuple[int, str]]:
        """Officers with terms for every unit; returns each unit's current chair."""
        r, w = self.rng, self.writer
        children: dict[int, list[UnitInfo]] = {}
        for info in self.units:
            if info.unit.parent_id:
                children.setdefault(info.unit.parent_id, []).append(info)

        def pool(info: UnitInfo) -> list[tuple[int, str]]:
            found = list(info.candidates)
            for child in children.get(info.unit.pk, []):
                found.extend(pool(child))
            return found

        sizes = {"province": (4, 1, 9), "city": (2, 1, 6), "county": (1, 0, 3)}
        rows: list[tuple] = []
        chairs: dict[str, tuple[int, str]] = {}
        for info in self.units:
            candidates = pool(info)
            if not candidates:
                continue
            picked = r.sample(candidates, min(len(candidates), 24))
            vice, secretary, committee = sizes.get(info.unit.kind.code, (1, 0, 2))
            term_year = self.today.year - 1 - int(r.random() * 4)
            if info.unit.depth == 0:
                term_year = 2022
            start = datetime.date(term_year, 3 + int(r.random() * 8), 1 + int(r.random() * 27))
            posts = (
                [Officer.Post.CHAIR] + [Officer.Post.VICE_CHAIR] * vice
                + [Officer.Post.SECRETARY] * secretary + [Officer.Post.COMMITTEE] * committee
            )  # fmt: skip
            for (member_id, name), post in zip(picked, posts, strict=False):
                rows.append((info.unit.pk, member_id, post.value, w.adapt_date(start), None))
                if post == Officer.Post.CHAIR:
                    chairs[info.unit.code] = (member_id, name)
            if len(picked) > len(posts):  # the previous term's chair
                member_id, _name = picked[len(posts)]
                previous = _add_years(start, -5)
                rows.append(
                    (info.unit.pk, member_id, Officer.Post.CHAIR.value, w.adapt_date(previous),
                     w.adapt_date(start - datetime.timedelta(days=1)))
                )  # fmt: skip
        w.insert(Officer, ["unit_id", "member_id", "post", "start_date", "end_date"], rows)
        self.log(f"officers: {len(rows)}")
        return chairs

    def accounts(self, chairs: dict[str, tuple[int, str]]) -> list[tuple[str, str, str, str]]:
        hashed = make_password(DEMO_PASSWORD)
        created: list[User] = []
        links: list[tuple[int, User]] = []

        def add(username: str, info: UnitInfo, role: str, full_name: str = "") -> User:
            user = user_create(
                username=username,
                password=None,
                unit=info.unit,
                role=role,
                full_name=full_name,
                must_change_password=False,
                validate=False,
            )
            created.append(user)
            return user

        province = self.by_code[PROVINCE_CODE]
        logins: dict[str, tuple[str, str]] = {}
        add("demo-province", province, Role.PROVINCE_STAFF, "省委会组织处")
        logins[Role.PROVINCE_STAFF] = ("demo-province", province.unit.name)
        add("demo-leader", province, Role.LEADER, "省委会领导")
        logins[Role.LEADER] = ("demo-leader", province.unit.name)
        for info in self.units:
            kind = info.unit.kind.code
            if kind in ("city", "county"):
                add(f"staff-{info.unit.code}", info, Role.UNIT_STAFF, f"{info.unit.name}工作人员")
                logins.setdefault(Role.UNIT_STAFF, (f"staff-{info.unit.code}", info.unit.name))
            elif info.unit.depth > 0 and kind not in ("province",):
                chair = chairs.get(info.unit.code)
                user = add(
                    f"officer-{info.unit.code}",
                    info,
                    Role.BRANCH_OFFICER,
                    chair[1] if chair else "",
                )
                if chair:
                    links.append((chair[0], user))
                logins.setdefault(Role.BRANCH_OFFICER, (user.username, info.unit.name))
        linked = {member_id for member_id, _user in links}
        member_row = (
            Member.objects.filter(
                unit__code__startswith="4301-", status=MemberStatus.ACTIVE, user__isnull=True
            )
            .exclude(pk__in=linked)
            .order_by("id")
            .values("pk", "name", "unit_id")
            .first()
        )
        if member_row:
            unit = Unit.objects.get(pk=member_row["unit_id"])
            info = self.by_code[unit.code]
            user = add(MEMBER_USERNAME, info, Role.MEMBER, member_row["name"])
            links.append((member_row["pk"], user))
            logins[Role.MEMBER] = (MEMBER_USERNAME, f"{member_row['name']}（{unit.name}）")
            # A few more portal accounts in the same branch, so sign-ups and the officer's
            # attendance page show more than one person.
            linked.add(member_row["pk"])
            for n, row in enumerate(
                Member.objects.filter(
                    unit_id=unit.pk, status=MemberStatus.ACTIVE, user__isnull=True
                )
                .exclude(pk__in=linked)
                .order_by("id")
                .values("pk", "name")[: PORTAL_MEMBERS - 1],
                start=2,
            ):
                links.append(
                    (row["pk"], add(f"{MEMBER_USERNAME}-{n}", info, Role.MEMBER, row["name"]))
                )
            self.portal_activity(unit)
        User.objects.filter(pk__in=[u.pk for u in created]).update(password=hashed)
        for member_id, user in links:
            Member.objects.filter(pk=member_id).update(user=user)
        self.users = len(created)
        order = [
            Role.PROVINCE_STAFF,
            Role.UNIT_STAFF,
            Role.BRANCH_OFFICER,
            Role.LEADER,
            Role.MEMBER,
        ]
        return [
            (str(Role(role).label), logins[role][0], DEMO_PASSWORD, logins[role][1])
            for role in order
            if role in logins
        ]

    def portal_activity(self, unit: Unit) -> None:
        """An activity next week in the demo member's branch, open for sign-up and check-in."""
        from grassroots.branches.models import ActivityKind
        from grassroots.branches.services import activity_create
        from grassroots.branches.signups import opening_set

        kind = ActivityKind.objects.filter(is_active=True).order_by("order", "id").first()
        if kind is None:
            return
        day = timezone.localdate() + datetime.timedelta(days=7)
        starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(14, 30)))
        activity = activity_create(
            kind=kind, topic="主题学习会（演示）", starts_at=starts, lead_unit=unit, place="会议室"
        )
        opening_set(activity=activity, capacity=40)


# --- entry points ------------------------------------------------------------------------


def demo_reset() -> dict[str, int]:
    """Wipe the demo province: its members with their history, accounts and units."""
    root = Unit.objects.filter(code=PROVINCE_CODE).first()
    if root is None:
        return {}
    units = Unit.objects.filter(path__startswith=root.path)
    unit_ids = list(units.values_list("pk", flat=True))
    members = Member.objects.filter(unit_id__in=unit_ids)
    counts: dict[str, int] = {}
    with audit.suppressed():
        fast = {NameKey, StatusChange, Transfer, PoliticalArrangement, Officer}
        for rel in Member._meta.related_objects:
            model = rel.related_model
            filtered = model._base_manager.filter(**{f"{rel.field.name}__in": members})
            if model in fast:
                counts[model._meta.label] = filtered._raw_delete(filtered.db)
            elif model is not User:
                counts[model._meta.label] = filtered.delete()[0]
        Transfer._base_manager.filter(
            Q(from_unit_id__in=unit_ids) | Q(to_unit_id__in=unit_ids)
        ).delete()
        Officer._base_manager.filter(unit_id__in=unit_ids).delete()
        users = User.objects.filter(unit_id__in=unit_ids)
        Member.objects.filter(user__in=users).update(user=None)
        counts["accounts.User"] = users.delete()[0]
        counts["members.Member"] = members._raw_delete(members.db)
        for rel in Unit._meta.related_objects:
            model = rel.related_model
            if model in (Unit, Member, User, Transfer, Officer):
                continue
            model._base_manager.filter(**{f"{rel.field.name}__in": unit_ids}).delete()
        for depth in sorted(set(units.values_list("depth", flat=True)), reverse=True):
            Unit._base_manager.filter(pk__in=unit_ids, depth=depth)._raw_delete(units.db)
        counts["organizations.Unit"] = len(unit_ids)
        if not Member.objects.exists():
            CounterSequence.objects.filter(name__startswith="member_number:").delete()
    return counts


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # ended and waited for: the pool's
    return usage.ru_utime + usage.ru_stime


def demo_logins() -> list[tuple[str, str, str, str]]:
    wanted = [Role.PROVINCE_STAFF, Role.UNIT_STAFF, Role.BRANCH_OFFICER, Role.LEADER, Role.MEMBER]
    logins = []
    for role in wanted:
        user = (
            User.objects.filter(role=role, unit__path__startswith=_root_path())
            .select_related("unit")
            .order_by("unit__path", "id")
            .first()
        )
        if user is not None and user.unit is not None:
            logins.append((str(Role(role).label), user.username, DEMO_PASSWORD, user.unit.name))
    return logins


def _root_path() -> str:
    root = Unit.objects.filter(code=PROVINCE_CODE).first()
    return root.path if root else "-"


def demo_generate(
    *,
    seed: int = 2026,
    members: int = 8000,
    reset: bool = False,
    log: Callable[[str], None] = print,
) -> DemoResult:
    """Build the demo province (or say it exists). One summary audit event per run."""
    if demo_exists() and not reset:
        return DemoResult(already_existed=True, logins=demo_logins())
    started, cpu_started = time.perf_counter(), time.process_time()
    workers_started = _children_cpu()
    result = DemoResult()
    with transaction.atomic(), audit.suppressed():
        RowWriter().skip_fk_checks()
        if reset:
            result.reset = demo_reset()
        gen = Generator(seed=seed, members=members, log=log)
        gen.build_tree()
        step = max(members // 10, CHUNK)
        bulk_tables = [Member, NameKey, StatusChange, Transfer, PoliticalArrangement]
        with gen.writer.deferred_indexes(bulk_tables, members):
            for done in gen.members():
                if done % step < CHUNK or done == members:
                    log(f"members: {done}/{members}")
        chairs = gen.officers()
        gen.writer.analyze([Unit, *bulk_tables, Officer])
        members_written.send(sender=Member, member_ids=None)  # derived tables rebuild
        result.logins = gen.accounts(chairs)
        result.members, result.units, result.users = members, len(gen.units), gen.users
        audit.record(
            AuditEvent.Action.BULK,
            object_type="members.member",
            object_repr=OPERATION,
            operation=OPERATION,
            extra={
                "count": members,
                "seed": seed,
                "units": result.units,
                "users": result.users,
                "reset": bool(reset),
                "database": connection.vendor,
            },
        )
    if members >= 50_000:
        RowWriter().vacuum([Member, NameKey, StatusChange])
    result.seconds = time.perf_counter() - started
    result.cpu_seconds = time.process_time() - cpu_started
    result.worker_cpu_seconds = _children_cpu() - workers_started
    return result
