"""The demo township: a fictional township shaped like the model township of the seeds
(15 villages and work groups, five committees, 885 cadres, 7,601 households, ~9 per cadre).

Deterministic for a given seed; bulk inserts so the default size loads in well under a minute.
Demo accounts are created here and nowhere else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from committees.models import Committee, CommitteeMembership, Department
from demo import data
from households import identity
from households.models import Household, Resident, Tag
from liaison.models import Cadre, LiaisonUnit, Pairing, Township, Village, WorkGroup
from liaison.roles import Role

DEMO_PASSWORD = "demo12345"  # noqa: S105 - demo accounts only, created by seed_demo alone
DEFAULT_HOUSEHOLDS = 7601
CADRES_PER_HOUSEHOLD = 885 / 7601
BATCH = 1000

# Later parts of the product add their demo data (visits, issues) through these hooks:
# each module has `seed(ctx: DemoContext) -> dict[str, int]`. Missing modules are skipped.
EXTRA_SEEDERS = ["demo.visits", "demo.issues", "demo.projects", "demo.surveys"]


@dataclass
class DemoContext:
    rng: random.Random
    township: Township
    villages: list[Village]
    workgroups: list[WorkGroup]
    committees: list[Committee]
    departments: list[Department]
    cadres: list[Cadre]
    households: list[Household]
    accounts: dict[str, object] = field(default_factory=dict)
    today: dt.date = field(default_factory=timezone.localdate)
    seed: int = 1  # for a seeder's own generator: draws that must not depend on the others'


@dataclass
class DemoResult:
    created: bool
    counts: dict[str, int]
    accounts: list[tuple[str, str]]


DEMO_ACCOUNTS = [
    ("admin", Role.ADMIN),
    ("leader", Role.LEADER),
    ("district", Role.LEADER),
    ("staff", Role.COMMITTEE_STAFF),
    ("grouplead", Role.GROUP_LEADER),
    ("cadre", Role.CADRE),
    ("village", Role.VILLAGE_HANDLER),
    ("dept", Role.DEPARTMENT_LIAISON),
]


# an account whose role alone does not say what it sees
DEMO_ACCOUNT_LABELS = {"district": gettext_lazy("区领导（全区，无乡镇）")}


def demo_accounts() -> list[tuple[str, str]]:
    return [
        (username, str(DEMO_ACCOUNT_LABELS.get(username, role.label)))
        for username, role in DEMO_ACCOUNTS
    ]


def seed_demo(*, households: int = DEFAULT_HOUSEHOLDS, seed: int = 1) -> DemoResult:
    """Load the demo township once. A second call finds it and changes nothing."""
    if Township.objects.filter(code=data.TOWNSHIP["code"]).exists():
        return DemoResult(created=False, counts=_counts(), accounts=demo_accounts())
    with transaction.atomic():
        ctx = _build(households=households, rng=random.Random(seed))
        ctx.seed = seed
        for module_name in EXTRA_SEEDERS:
            try:
                module = import_module(module_name)
            except ModuleNotFoundError:
                continue
            module.seed(ctx)
    return DemoResult(created=True, counts=_counts(), accounts=demo_accounts())


def _counts() -> dict[str, int]:
    counts = {
        "townships": Township.objects.count(),
        "villages": Village.objects.count(),
        "workgroups": WorkGroup.objects.count(),
        "committees": Committee.objects.count(),
        "cadres": Cadre.objects.count(),
        "households": Household.objects.count(),
        "residents": Resident.objects.count(),
        "pairings": Pairing.objects.count(),
    }
    for label, model_path in (("visits", "visits.Visit"), ("issues", "issues.Issue")):
        with contextlib.suppress(LookupError):
            counts[label] = apps.get_model(model_path).objects.count()
    return counts


def _build(*, households: int, rng: random.Random) -> DemoContext:
    township = Township.objects.create(**data.TOWNSHIP)
    villages = Village.objects.bulk_create(
        Village(township=township, name=name, kind=kind, code=f"V{i + 1:02d}")
        for i, (name, kind) in enumerate(data.VILLAGES)
    )
    villages = list(Village.objects.filter(township=township).order_by("code"))
    WorkGroup.objects.bulk_create(
        WorkGroup(township=township, village=v, name=f"{v.name}工作组") for v in villages
    )
    workgroups = list(WorkGroup.objects.filter(township=township).order_by("village__code"))
    committees = _committees(township)
    departments = _departments()
    cadres = _cadres(
        township, workgroups, rng, count=max(30, round(households * CADRES_PER_HOUSEHOLD))
    )
    hh = _households(township, villages, rng, count=households)
    _pairings(hh, cadres, workgroups)
    _liaison_units(township, workgroups, cadres)
    ctx = DemoContext(
        rng=rng,
        township=township,
        villages=villages,
        workgroups=workgroups,
        committees=committees,
        departments=departments,
        cadres=cadres,
        households=hh,
    )
    _demo_accounts(ctx)
    return ctx


def _committees(township: Township) -> list[Committee]:
    Committee.objects.bulk_create(
        Committee(township=township, code=code, name=name, keywords=keywords)
        for code, name, keywords in data.COMMITTEES
    )
    return list(Committee.objects.filter(township=township).order_by("id"))


def _departments() -> list[Department]:
    existing = set(Department.objects.values_list("name", flat=True))
    Department.objects.bulk_create(
        Department(name=name, district=data.TOWNSHIP["district"])
        for name in data.DEPARTMENTS
        if name not in existing
    )
    return list(Department.objects.filter(name__in=data.DEPARTMENTS).order_by("id"))


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(data.GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(data.SURNAMES) + given


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        phone = rng.choice(("13", "15", "18", "17", "19")) + f"{rng.randrange(10**9):09d}"
        if phone not in used:
            used.add(phone)
            return phone


def _cadres(township, workgroups, rng, *, count: int) -> list[Cadre]:
    User = get_user_model()
    used: set[str] = set()
    phones = [_phone(rng, used) for _ in range(count)]
    names = [_name(rng) for _ in range(count)]
    unusable = make_password(None)  # cadres get real passwords from an admin, not from the demo
    User.objects.bulk_create(
        (
            User(username=phone, first_name=name, password=unusable)
            for phone, name in zip(phones, names, strict=True)
        ),
        batch_size=BATCH,
    )
    users = dict(User.objects.filter(username__in=phones).values_list("username", "pk"))
    cadres = [
        Cadre(
            user_id=users[phone],
            township=township,
            name=name,
            phone=phone,
            title=rng.choice(data.CADRE_TITLES),
            workgroup=workgroups[i % len(workgroups)],
        )
        for i, (phone, name) in enumerate(zip(phones, names, strict=True))
    ]
    Cadre.objects.bulk_create(cadres, batch_size=BATCH)
    cadres = list(Cadre.objects.filter(township=township).order_by("id"))
    cadre_group = Group.objects.get(name=Role.CADRE)
    through = User.groups.through
    through.objects.bulk_create(
        (through(user_id=c.user_id, group_id=cadre_group.pk) for c in cadres), batch_size=BATCH
    )
    leaders = {}
    for cadre in cadres:  # the first member of each group leads it
        leaders.setdefault(cadre.workgroup_id, cadre)
    for workgroup in workgroups:
        workgroup.leader = leaders[workgroup.pk]
    WorkGroup.objects.bulk_update(workgroups, ["leader"])
    lead_group = Group.objects.get(name=Role.GROUP_LEADER)
    through.objects.bulk_create(
        through(user_id=c.user_id, group_id=lead_group.pk) for c in leaders.values()
    )
    return cadres


def _id_number(rng: random.Random, used: set[str], *, birth_year: int) -> str:
    while True:
        birth = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        first17 = f"{rng.choice(data.REGION_CODES)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        number = first17 + identity.id_check_digit(first17)
        if number not in used:
            used.add(number)
            return number


def _address(rng: random.Random, village: Village, n: int) -> str:
    if village.kind == Village.Kind.COMMUNITY:
        return f"{village.name}{n % 30 + 1}号楼{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
    return f"{village.name}{rng.choice(data.STREET_WORDS)}路{n % 200 + 1}号"


def _households(township, villages, rng, *, count: int) -> list[Household]:
    used_ids: set[str] = set()
    used_phones: set[str] = set()
    households, members = [], []
    tag_values = list(Tag.values)
    for n in range(count):
        village = villages[n % len(villages)]
        head_name = _name(rng)
        phone = _phone(rng, used_phones)
        household = Household(
            township=township,
            code=f"{village.code}{n + 1:05d}",
            village=village,
            grid=rng.choice(data.GRID_NAMES),
            address=_address(rng, village, n),
            head_name=head_name,
            phone=phone,
        )
        roll = rng.random()
        if roll < 0.25:
            household.set_tags(rng.sample(tag_values, k=1 if roll < 0.2 else 2))
        if household.tags and ",hardship," in household.tags:
            household.difficulty = rng.choice(
                (Household.Difficulty.LOW_INCOME, Household.Difficulty.SUBSISTENCE)
            )
        households.append(household)
        size = rng.choices((1, 2, 3, 4, 5, 6), weights=(10, 25, 30, 20, 10, 5))[0]
        head_year = rng.randint(1940, 1990)
        members.append((n, head_name, Resident.Relation.HEAD, head_year, phone))
        relations = [
            Resident.Relation.SPOUSE,
            Resident.Relation.CHILD,
            Resident.Relation.CHILD,
            Resident.Relation.PARENT,
            Resident.Relation.GRANDCHILD,
        ]
        for k in range(size - 1):
            relation = relations[k]
            year = {
                Resident.Relation.SPOUSE: head_year + rng.randint(-3, 3),
                Resident.Relation.CHILD: head_year + rng.randint(22, 32),
                Resident.Relation.PARENT: max(1925, head_year - rng.randint(22, 30)),
                Resident.Relation.GRANDCHILD: min(2020, head_year + rng.randint(45, 55)),
            }[relation]
            members.append((n, _name(rng), relation, year, ""))
    Household.objects.bulk_create(households, batch_size=BATCH)
    households = list(Household.objects.filter(township=township).order_by("id"))
    residents = []
    for n, name, relation, year, phone in members:
        resident = Resident(
            household=households[n],
            name=name,
            relation=relation,
            is_head=relation == Resident.Relation.HEAD,
            phone=phone,
            political_status=(
                Resident.Political.PARTY_MEMBER
                if rng.random() < 0.08
                else Resident.Political.MASSES
            ),
        )
        resident.set_id_number(_id_number(rng, used_ids, birth_year=year))
        residents.append(resident)
    Resident.objects.bulk_create(residents, batch_size=BATCH)
    return households


def _pairings(households, cadres, workgroups) -> None:
    """Each household gets a cadre of its village's group, round-robin (~9 per cadre)."""
    by_village = {
        wg.village_id: [c for c in cadres if c.workgroup_id == wg.pk] for wg in workgroups
    }
    turn = dict.fromkeys(by_village, 0)
    pairings = []
    start = dt.date(2024, 1, 1)
    for household in households:
        members = by_village[household.village_id]
        # Group leaders keep a lighter load: they also supervise.
        cadre = members[turn[household.village_id] % len(members)]
        turn[household.village_id] += 1
        pairings.append(Pairing(cadre=cadre, household=household, start_date=start))
    Pairing.objects.bulk_create(pairings, batch_size=BATCH)


def _liaison_units(township, workgroups, cadres) -> None:
    units = [
        LiaisonUnit(
            township=township, workgroup=wg, name=f"{wg.name}联系单元", kind=LiaisonUnit.Kind.FAMILY
        )
        for wg in workgroups
    ]
    LiaisonUnit.objects.bulk_create(units)


COMMITTEE_STAFF_NAMES = ("陈干事", "刘干事", "周干事", "吴干事", "郑干事")


def _demo_accounts(ctx: DemoContext) -> None:
    """One login per role; password demo12345. Real cadres keep their own accounts."""
    User = get_user_model()
    township, first_group = ctx.township, ctx.workgroups[0]
    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    password = make_password(DEMO_PASSWORD)

    def rename(cadre: Cadre, username: str, role: Role) -> Cadre:
        user = cadre.user
        user.username, user.password = username, password
        user.save(update_fields=["username", "password"])
        user.groups.add(groups[role])
        return cadre

    def new_account(username, name, role, *, title, township=township, **cadre_fields) -> Cadre:
        user = User.objects.create(
            username=username,
            first_name=name,
            password=password,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.groups.add(groups[role])
        return Cadre.objects.create(
            user=user, township=township, name=name, title=title, **cadre_fields
        )

    lead = rename(first_group.leader, "grouplead", Role.GROUP_LEADER)
    member = next(c for c in ctx.cadres if c.workgroup_id == first_group.pk and c.pk != lead.pk)
    cadre = rename(member, "cadre", Role.CADRE)
    admin = new_account("admin", "管理员", Role.ADMIN, title="系统管理员")
    leader = new_account("leader", "张书记", Role.LEADER, title="乡党委书记")
    staff = new_account("staff", "李干事", Role.COMMITTEE_STAFF, title="社会治理委员会干事")
    governance = next(c for c in ctx.committees if c.code == Committee.Code.SOCIAL_GOVERNANCE)
    CommitteeMembership.objects.create(committee=governance, cadre=staff, is_head=True)
    # Every other committee gets a member too, so its assignments and alerts reach a person.
    others = [c for c in ctx.committees if c.pk != governance.pk]
    for n, (committee, name) in enumerate(zip(others, COMMITTEE_STAFF_NAMES, strict=False), 2):
        member = new_account(f"staff{n}", name, Role.COMMITTEE_STAFF, title=f"{committee.name}干事")
        CommitteeMembership.objects.create(committee=committee, cadre=member, is_head=True)
    village = new_account(
        "village", "王主任", Role.VILLAGE_HANDLER, title="村委会主任", village=first_group.village
    )
    dept = new_account("dept", "赵科长", Role.DEPARTMENT_LIAISON, title="联络员", township=None)
    # a district leader (no township): the district's dashboard, one row per township
    district = new_account("district", "钱区长", Role.LEADER, title="区委副书记", township=None)
    ctx.departments[0].liaisons.add(dept)
    ctx.accounts = {
        "admin": admin,
        "leader": leader,
        "staff": staff,
        "grouplead": lead,
        "cadre": cadre,
        "village": village,
        "dept": dept,
        "district": district,
    }
