"""seed_demo: the shape of the model township, deterministic for a seed, idempotent."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F

from demo.seed import seed_demo
from households import identity
from households.models import Household, Resident
from liaison.access import role_of
from liaison.models import Cadre, Pairing, Village, WorkGroup
from liaison.roles import Role

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "households": list(
            Household.objects.order_by("code").values_list("code", "head_name", "address", "tags")
        ),
        "residents": list(
            Resident.objects.order_by("household__code", "id").values_list(
                "name", "id_last4", "birth_date"
            )
        ),
        "cadres": list(
            Cadre.objects.order_by("id").values_list("name", "phone", "workgroup__name")
        ),
        "pairings": list(
            Pairing.objects.order_by("household__code").values_list(
                "household__code", "cadre__phone"
            )
        ),
    }


def test_counts_and_shape():
    out = io.StringIO()
    call_command("seed_demo", households=300, seed=7, stdout=out)
    assert Village.objects.count() == 15
    assert WorkGroup.objects.count() == 15
    assert Household.objects.count() == 300
    from committees.models import Committee

    assert sorted(Committee.objects.values_list("name", flat=True)) == sorted(
        ["党群工作", "社会治理", "城建规划", "民生文化", "经济发展"]
    )
    sizes = Household.objects.annotate(n=Count("residents")).values_list("n", flat=True)
    assert min(sizes) >= 1 and max(sizes) <= 6
    assert Pairing.objects.current().count() == 300  # every household has its cadre
    # every pairing stays inside the household's village group
    assert not Pairing.objects.exclude(cadre__workgroup__village=F("household__village")).exists()
    assert "demo12345" in out.getvalue()
    for username in (
        "admin",
        "leader",
        "district",
        "staff",
        "grouplead",
        "cadre",
        "village",
        "dept",
    ):
        assert username in out.getvalue()


def test_default_size_matches_the_model_township():
    seed_demo()
    assert Household.objects.count() == 7601
    working = Cadre.objects.exclude(
        user__username__in=["admin", "leader", "district", "staff", "village", "dept"]
    ).exclude(user__username__regex=r"^staff[2-9]$")  # the other committees' members
    assert working.count() == 885
    per_cadre = 7601 / 885
    assert 8 < per_cadre < 10


def test_id_numbers_are_valid_and_encrypted():
    seed_demo(households=60, seed=3)
    for resident in Resident.objects.all()[:50]:
        number = resident.id_number
        assert identity.parse_id_number(number).number == number
        assert number not in resident.id_number_encrypted
        assert resident.id_masked == identity.mask_id_number(number)


def seeded_snapshot(*, seed: int) -> dict:
    """Seed inside a savepoint, read everything, roll back: the next seed starts from nothing."""
    with transaction.atomic():
        seed_demo(households=120, seed=seed)
        taken = snapshot()
        transaction.set_rollback(True)
    return taken


def test_same_seed_same_township_other_seed_other_township():
    first = seeded_snapshot(seed=42)
    assert first["households"]
    assert seeded_snapshot(seed=42) == first
    assert seeded_snapshot(seed=43)["households"] != first["households"]


def test_second_run_changes_nothing():
    seed_demo(households=60, seed=1)
    before = snapshot()
    result = seed_demo(households=60, seed=1)
    assert result.created is False
    assert snapshot() == before


def test_demo_accounts_log_in_with_their_roles(rf):
    seed_demo(households=60, seed=1)
    expected = {
        "admin": Role.ADMIN,
        "leader": Role.LEADER,
        "staff": Role.COMMITTEE_STAFF,
        "grouplead": Role.GROUP_LEADER,
        "cadre": Role.CADRE,
        "village": Role.VILLAGE_HANDLER,
        "dept": Role.DEPARTMENT_LIAISON,
        "district": Role.LEADER,
    }
    for username, role in expected.items():
        user = authenticate(rf.post("/accounts/login/"), username=username, password="demo12345")
        assert user is not None, username
        assert role_of(user) == role
    cadre = Cadre.objects.get(user__username="cadre")
    assert cadre.pairings.current().exists()


def test_no_demo_account_without_seed_demo():
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username__in=["admin", "cadre"]).exists()
