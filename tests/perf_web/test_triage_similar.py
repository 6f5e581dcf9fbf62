"""The triage queue's similar issues (issue #17 item 5): the same answer as comparing every pair
the plain way, with each text split once and remembered across requests."""

from __future__ import annotations

import random

import pytest

from issues import selectors
from issues.models import Issue
from issues.selectors import similar_for_queue, text_similarity
from issues.services import issue_report
from liaison.roles import Role
from tests.factories import (
    CommitteeFactory,
    CommitteeMembershipFactory,
    HouseholdFactory,
    TownshipFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

WORDS = ["路灯", "不亮", "下水道", "堵塞", "垃圾", "清运", "噪音", "扰民", "道路", "破损", "漏水"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def queue(make_user):
    township = TownshipFactory(code="ts", name="相似镇")
    villages = [VillageFactory(township=township) for _ in range(3)]
    committee = CommitteeFactory(township=township)
    staff = make_user(Role.COMMITTEE_STAFF, township=township)
    CommitteeMembershipFactory(committee=committee, cadre=staff.cadre)
    households = [HouseholdFactory(township=township, village=v) for v in villages for _ in (1, 2)]
    rng = random.Random(17)
    for n in range(60):
        text = "".join(rng.sample(WORDS, rng.randint(2, 5))) + ("" if n % 3 else "，请尽快处理")
        household = rng.choice([*households, None])
        issue_report(actor=staff, household=household, description=text, township=township)
    issues = list(Issue.objects.filter(township=township).order_by("pk"))
    return staff, issues


def plain_similar(issue, candidates, limit=3, threshold=0.2) -> list:
    """Every candidate of the same village or household, compared in full (the plain way)."""
    pool = {c.pk: c for c in candidates if c.village_id == issue.village_id}
    pool.update(
        {c.pk: c for c in candidates if c.household_id and c.household_id == issue.household_id}
    )
    scored = []
    for c in pool.values():
        if c.pk == issue.pk:
            continue
        score = text_similarity(issue.description, c.description)
        if (issue.household_id and c.household_id == issue.household_id) or score >= threshold:
            scored.append((score, c))
    scored.sort(key=lambda pair: -pair[0])
    return [c for _score, c in scored[:limit]]


def test_the_queue_finds_what_comparing_every_pair_finds(queue):
    staff, issues = queue
    page = issues[:50]
    found = similar_for_queue(page, user=staff)
    # the candidates: the open issues of the page's villages and households, newest first
    villages = {i.village_id for i in page if i.village_id}
    households = {i.household_id for i in page if i.household_id}
    candidates = [
        i
        for i in sorted(issues, key=lambda i: i.reported_at, reverse=True)
        if i.village_id in villages or i.household_id in households
    ]
    assert any(found[i.pk] for i in page)  # the texts do overlap
    for issue in page:
        assert found[issue.pk] == plain_similar(issue, candidates), issue.description


def test_each_text_is_split_once_across_requests(queue, monkeypatch):
    staff, issues = queue
    selectors._grams_of.cache_clear()
    similar_for_queue(issues[:50], user=staff)
    splits = []
    real = selectors._grams
    monkeypatch.setattr(selectors, "_grams", lambda text: splits.append(text) or real(text))
    similar_for_queue(issues[:50], user=staff)
    assert splits == []
