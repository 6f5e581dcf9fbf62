"""Who reads which dashboard (统计分析) and who records or manages satisfaction surveys."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from core.params import parse_id
from liaison.access import cadre_of, has_role, roles_of, township_id_of
from liaison.models import Township, Village, WorkGroup
from liaison.roles import Role


@dataclass(frozen=True)
class DashboardScope:
    """What a dashboard reader sees: every township (a district-level admin or leader), the
    whole township (admin, leader), the issues of their committees (committee staff), or the
    villages and members of their work group (group leader). `township_id` None = district
    level. The `*_q` methods turn the scope into filters."""

    kind: str  # "district" | "township" | "committee" | "workgroup"
    township_id: int | None
    committee_ids: tuple[int, ...] = ()
    workgroup_id: int | None = None
    village_ids: tuple[int, ...] = ()

    @property
    def shows_visits(self) -> bool:
        return self.kind != "committee"

    @property
    def is_district(self) -> bool:
        """The district's dashboard: figures per township, not per village or work group."""
        return self.kind == "district"

    def issues_q(self, prefix: str = "") -> Q:
        q = Q() if self.township_id is None else Q(**{f"{prefix}township_id": self.township_id})
        if self.kind == "committee":
            q &= Q(**{f"{prefix}committee_id__in": self.committee_ids})
        elif self.kind == "workgroup":
            # as issues.access scopes a group leader: the issue's village or its household's
            q &= Q(**{f"{prefix}village_id__in": self.village_ids}) | Q(
                **{f"{prefix}household__village_id__in": self.village_ids}
            )
        return q

    def cadres_q(self, prefix: str = "") -> Q:
        """Cadres whose visits and pairings the scope covers (committee scope: none)."""
        if self.kind == "committee":
            return Q(pk__in=[])
        q = Q() if self.township_id is None else Q(**{f"{prefix}township_id": self.township_id})
        if self.kind == "workgroup":
            q &= Q(**{f"{prefix}workgroup_id": self.workgroup_id})
        return q


def dashboard_scope_of(user) -> DashboardScope | None:
    """The broadest dashboard the user's roles allow, or None (no dashboard)."""
    held = roles_of(user)
    township_id = township_id_of(user)
    if held & {Role.ADMIN, Role.LEADER}:
        return DashboardScope("district" if township_id is None else "township", township_id)
    cadre = cadre_of(user)
    if cadre is None:
        return None
    if Role.COMMITTEE_STAFF in held:
        ids = tuple(cadre.committee_memberships.values_list("committee_id", flat=True))
        return DashboardScope("committee", township_id, committee_ids=ids)
    if Role.GROUP_LEADER in held and cadre.workgroup_id:
        villages = WorkGroup.objects.filter(pk=cadre.workgroup_id, village__isnull=False)
        return DashboardScope(
            "workgroup",
            township_id,
            workgroup_id=cadre.workgroup_id,
            village_ids=tuple(villages.values_list("village_id", flat=True)),
        )
    return None


def narrowed(scope: DashboardScope | None, township) -> DashboardScope | None:
    """A district reader's dashboard of one township (`?township=<id>`, the drill-down from the
    district's table of townships). Any other scope is returned as it is: a township's reader
    cannot look into another township by adding the parameter; an unknown id is ignored."""
    if scope is None or not scope.is_district:
        return scope
    township_id = parse_id(township)
    if township_id is None or not Township.objects.filter(pk=township_id).exists():
        return scope
    return DashboardScope("township", township_id)


def workgroups_in(scope: DashboardScope):
    """The active work groups a dashboard scope covers (committee scope: none)."""
    groups = WorkGroup.objects.filter(is_active=True)
    if scope.township_id is not None:
        groups = groups.filter(township_id=scope.township_id)
    if scope.workgroup_id is not None:
        groups = groups.filter(pk=scope.workgroup_id)
    return groups.none() if scope.kind == "committee" else groups


def villages_in(scope: DashboardScope):
    """The active villages whose work groups a dashboard scope covers (the assessment filter)."""
    villages = Village.objects.filter(is_active=True)
    if scope.township_id is not None:
        villages = villages.filter(township_id=scope.township_id)
    if scope.kind == "workgroup":
        villages = villages.filter(pk__in=scope.village_ids)
    return villages.none() if scope.kind == "committee" else villages


def may_record_survey(user) -> bool:
    """Cadres and group leaders record satisfaction survey answers for their own households."""
    return has_role(user, Role.CADRE, Role.GROUP_LEADER)


def may_manage_surveys(user) -> bool:
    return has_role(user, Role.ADMIN)
