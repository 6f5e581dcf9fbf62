"""Every list endpoint costs the same number of queries whatever the number of rows (no N+1),
and offers filtering, search, ordering and pagination."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.roles import Role
from tests.factories import (
    CommitteeFactory,
    HouseholdFactory,
    PairingFactory,
    ResidentFactory,
    VillageFactory,
    WorkGroupFactory,
    valid_id_number,
)
from visits.models import Visit

from .test_permission_matrix import api_routes

_NUMBERS = itertools.count(300)

LISTS = sorted(
    r.split(" ")[1] for r in api_routes() if r.startswith("GET ") and "{pk}" not in r
    and r not in {"GET /api/v1/", "GET /api/v1/dashboard/summary/"}
)  # fmt: skip


def _grow(world, make_user, n: int) -> None:
    """n more of every resource on the caller's side of the township."""
    own, township = world.own, world.township
    for _ in range(n):
        village = VillageFactory(township=township)
        WorkGroupFactory(village=village, township=township)
        cadre = make_user(Role.CADRE, workgroup=own.workgroup, township=township).cadre
        household = HouseholdFactory(village=own.village, township=township)
        ResidentFactory(household=household, id_number=valid_id_number(next(_NUMBERS)))
        PairingFactory(cadre=cadre, household=household)
        Visit.objects.create(cadre=cadre, household=household, notes="走访")
        world.issue("own", "in_progress")
    free = ["party_masses", "livelihood_culture", "economic_development"]
    taken = set(township.committees.values_list("code", flat=True))
    for code in [c for c in free if c not in taken][:n]:
        CommitteeFactory(township=township, code=code, name=code)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", LISTS)
def test_a_list_costs_the_same_queries_for_more_rows(world, make_user, url):
    admin = world.client("admin")
    _grow(world, make_user, 1)
    few = _queries(admin, url)
    count_few = admin.get(url).json()["count"]
    _grow(world, make_user, 3)
    assert admin.get(url).json()["count"] > count_few
    assert _queries(admin, url) == few


@pytest.mark.parametrize("url", LISTS)
def test_a_list_is_paginated_ordered_and_searchable(world, url):
    admin = world.client("admin")
    page = admin.get(url).json()
    assert set(page) == {"count", "next", "previous", "results"}
    ordered = admin.get(f"{url}?ordering=-id").json()["results"]
    assert [r["id"] for r in ordered] == sorted((r["id"] for r in ordered), reverse=True)
    assert admin.get(f"{url}?search=zzz-nothing-like-this").json()["count"] == 0
    assert admin.get(f"{url}?page=999").status_code == 404
