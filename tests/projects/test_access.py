"""Who sees the recurring demands and who sees and makes which project: the policy of
projects/access.py, tried through the service, the pages and the admin."""

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from projects import access
from projects.detection import cluster_run_perform, month_start
from projects.models import ClusterRun, Project
from projects.services import project_create
from tests.factories import CommitteeFactory, VillageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(town):
    return cluster_run_perform(
        run=ClusterRun.objects.create(
            township=town.township, month=month_start(timezone.localdate())
        )
    )


def _cluster_of(run, issues):
    pks = {i.pk for i in issues}
    return next(c for c in run.clusters.all() if set(c.issues.values_list("pk", flat=True)) == pks)


@pytest.mark.parametrize("who", ["grouplead", "cadre", "village", "dept"])
def test_only_leaders_admins_and_committee_staff_see_the_demands(client, town, run, who):
    client.force_login(town.users[who])
    assert client.get(reverse("projects:demands")).status_code == 403
    assert client.get(reverse("projects:list")).status_code == 403
    assert not access.clusters_visible_to(town.users[who]).exists()
    assert "projects:demands" not in client.get("/").content.decode()


def test_a_leader_sees_every_cluster_of_the_township(town, run):
    assert access.clusters_visible_to(town.users["leader"]).count() == 4


def test_committee_staff_see_the_clusters_of_their_issues_only(town, run):
    # given the streetlight demand triaged to 城建规划 and the bus demand to 民生文化
    streetlight = _cluster_of(run, town.issues["streetlight"])
    bus = _cluster_of(run, town.issues["bus"])
    garbage = _cluster_of(run, town.issues["garbage"])  # 待分派: every committee's staff see it
    urban, livelihood = town.users["staff"], town.users["staff2"]
    assert set(access.clusters_visible_to(urban)) == {
        streetlight,
        garbage,
        _cluster_of(run, town.issues["water"]),
    }
    assert set(access.clusters_visible_to(livelihood)) == {bus, garbage}
    with pytest.raises(Exception):  # noqa: B017,PT011 - the 404 of an out-of-scope cluster
        access.access_cluster(livelihood, streetlight.pk)


def test_another_townships_runs_and_projects_are_invisible(town, run, make_user):
    from liaison.roles import Role

    other = VillageFactory()
    outsider = make_user(Role.LEADER, workgroup=None, township=other.township)
    assert not access.runs_visible_to(outsider).exists()
    assert not access.clusters_visible_to(outsider).exists()
    assert not access.committees_ownable_by(outsider).filter(township=town.township).exists()


def _create(actor, town, committee="urban", issues=None, **kw):
    return project_create(
        actor=actor,
        title="路灯集中治理",
        owner_committee=town.committees[committee] if isinstance(committee, str) else committee,
        issues=issues if issues is not None else town.issues["streetlight"],
        **kw,
    )


def test_staff_make_projects_for_their_own_committee_of_issues_they_see(town):
    staff = town.users["staff"]
    project = _create(staff, town)
    assert project.owner_committee == town.committees["urban"]
    # not for another committee
    with pytest.raises(ValidationError) as exc:
        _create(staff, town, committee="livelihood")
    assert "owner_committee" in exc.value.message_dict
    # not with issues the issue policy hides from them (the bus demand is 民生文化's)
    with pytest.raises(ValidationError) as exc:
        _create(staff, town, issues=town.issues["bus"])
    assert "issues" in exc.value.message_dict


@pytest.mark.parametrize("who", ["grouplead", "cadre", "village", "dept"])
def test_other_roles_make_no_project(town, who):
    with pytest.raises(PermissionDenied):
        _create(town.users[who], town)


def test_projects_visible_to_leaders_and_the_owner_committees_staff(town):
    project = _create(town.users["leader"], town)
    assert access.access_project(town.users["staff"], project.pk) == project
    assert not access.projects_visible_to(town.users["staff2"]).exists()
    assert access.may_manage_project(town.users["staff"], project)
    assert not access.may_manage_project(town.users["staff2"], project)


def test_the_page_door_refuses_what_the_service_refuses(client, town):
    # a committee member posting another committee as owner gets a field error, not a project
    client.force_login(town.users["staff"])
    ids = [i.pk for i in town.issues["streetlight"]]
    response = client.post(
        reverse("projects:new") + "?ids=" + ",".join(map(str, ids)),
        {"title": "x", "owner_committee": town.committees["livelihood"].pk, "progress": 0,
         "issues": ids, "m-TOTAL_FORMS": 0, "m-INITIAL_FORMS": 0},
    )  # fmt: skip
    assert response.status_code == 200 and "owner_committee" in response.context["form"].errors
    assert not Project.objects.exists()


def test_the_admin_door_only_shows_and_never_writes(town, rf: RequestFactory):
    project = _create(town.users["leader"], town)
    model_admin = admin.site._registry[Project]
    operator = town.users["admin"]
    operator.is_superuser = operator.is_staff = True
    request = rf.get("/")
    request.user = operator
    assert model_admin.get_queryset(request).get() == project
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, project)
    assert not model_admin.has_delete_permission(request, project)
    # a township admin of another township sees no row of it (SCOPES from projects.access)
    from liaison.roles import Role
    from tests.conftest import create_user

    stranger = create_user(Role.ADMIN, workgroup=None, township=CommitteeFactory().township)
    request.user = stranger
    assert not model_admin.visible_to(stranger).exists()
