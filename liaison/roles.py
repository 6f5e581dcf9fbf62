"""The seven roles of DESIGN.md as Django groups, and the model permissions each one holds.

Model permissions are the coarse layer (what kind of record a role may touch at all);
`liaison.access` adds the object-level layer (which records). Both are declared here and there,
nowhere else.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    LEADER = "leader", _("乡领导")
    COMMITTEE_STAFF = "committee_staff", _("专委会工作人员")
    GROUP_LEADER = "group_leader", _("工作组组长")
    CADRE = "cadre", _("联系干部")
    VILLAGE_HANDLER = "village_handler", _("村（社区）承办人")
    DEPARTMENT_LIAISON = "department_liaison", _("区级部门联络员")


# When a user holds several roles, the first in this order decides their home page.
ROLE_PRIORITY = [
    Role.ADMIN,
    Role.LEADER,
    Role.COMMITTEE_STAFF,
    Role.GROUP_LEADER,
    Role.VILLAGE_HANDLER,
    Role.DEPARTMENT_LIAISON,
    Role.CADRE,
]

V, A, C, D = "view", "add", "change", "delete"
ALL = (V, A, C, D)
RESIDENT_DATA = ("household", "resident", "pairing", "visit", "helprecord")
ORGANISATION = ("township", "village", "workgroup", "cadre", "liaisonunit")

# Model permissions per role: app_label -> model -> actions. Models that do not exist yet (a later
# issue adds them) are simply skipped, so this table can name the whole domain up front.
# Nobody gets "delete" on resident data: it is never hard-deleted.
# 每月一题 and 高频诉求 records: written by the projects pages only, read in the admin.
PROJECT_RECORDS = (
    "clusterrun",
    "demandcluster",
    "project",
    "projectissue",
    "milestone",
    "projectevent",
)
ROLE_PERMISSIONS: dict[Role, dict[str, dict[str, tuple[str, ...]]]] = {
    Role.ADMIN: {
        "liaison": {
            **dict.fromkeys(ORGANISATION, ALL),
            "pairing": (V, A, C),
            "visit": (V, A, C),
            "contactday": ALL,
            "visitcampaign": ALL,
            "notification": (V,),
            "auditentry": (V,),
            "survey": ALL,
            "surveyquestion": ALL,
            "surveyresponse": (V,),
            "surveyanswer": (V,),
        },
        "households": {
            "household": (V, A, C),
            "resident": (V, A, C),
            "helprecord": (V, A, C),
            "rosterimport": (V, A),
        },
        "issues": {"issue": (V, A, C), "issueevent": (V, A), "attachment": (V, A)},
        "committees": dict.fromkeys(("committee", "committeemembership", "department"), ALL),
        "auth": {"user": (V, A, C), "group": (V,)},
        "core": {"delivery": (V,)},
        "projects": dict.fromkeys(PROJECT_RECORDS, (V,)),
        "open311": {"apiclient": (V, A, C)},
        "django_celery_beat": dict.fromkeys(
            ("periodictask", "crontabschedule", "intervalschedule"), ALL
        ),
    },
    Role.LEADER: {
        "liaison": dict.fromkeys((*ORGANISATION, "pairing", "visit", "contactday"), (V,)),
        "households": dict.fromkeys(("household", "resident", "helprecord"), (V,)),
        "issues": dict.fromkeys(("issue", "issueevent", "attachment"), (V,)),
        "committees": dict.fromkeys(("committee", "committeemembership", "department"), (V,)),
        "projects": dict.fromkeys(PROJECT_RECORDS, (V,)),
    },
    Role.COMMITTEE_STAFF: {
        "liaison": dict.fromkeys(("village", "workgroup", "cadre"), (V,)),
        "households": dict.fromkeys(("household", "resident"), (V,)),
        "issues": {"issue": (V, A, C), "issueevent": (V, A), "attachment": (V, A)},
        "committees": dict.fromkeys(("committee", "department"), (V,)),
    },
    Role.GROUP_LEADER: {
        "liaison": {
            **dict.fromkeys(("village", "workgroup", "cadre", "contactday"), (V,)),
            "liaisonunit": (V, A, C),
            "pairing": (V, A, C),
            "visit": (V, A, C),
        },
        "households": dict.fromkeys(("household", "resident", "helprecord"), (V, A, C)),
        "issues": {"issue": (V, A, C), "issueevent": (V, A), "attachment": (V, A)},
        "committees": {"committee": (V,)},
    },
    Role.CADRE: {
        "liaison": {"pairing": (V,), "visit": (V, A, C), "contactday": (V,)},
        "households": {"household": (V, C), "resident": (V, A, C), "helprecord": (V, A)},
        "issues": {"issue": (V, A), "issueevent": (V, A), "attachment": (V, A)},
    },
    Role.VILLAGE_HANDLER: {
        "liaison": {"village": (V,)},
        "households": dict.fromkeys(("household", "resident"), (V,)),
        "issues": {"issue": (V, C), "issueevent": (V, A), "attachment": (V, A)},
    },
    Role.DEPARTMENT_LIAISON: {
        "issues": {"issue": (V, C), "issueevent": (V, A), "attachment": (V, A)},
        "committees": {"department": (V,)},
    },
}


# Models that moved out of `liaison` (issue 13) keep their permissions under their new app label.
_MOVED_FROM_LIAISON = {
    "accountsecurity": "core",
    "apitokenactivity": "core",
    "auditentry": "core",
    "contactday": "visits",
    "coveragesnapshot": "visits",
    "issuemonthchoicestat": "dashboard",
    "issuemonthstat": "dashboard",
    "notification": "core",
    "outboxmessage": "core",
    "periodicrun": "core",
    "reminderdelivery": "visits",
    "securitypolicy": "core",
    "survey": "dashboard",
    "surveyanswer": "dashboard",
    "surveyquestion": "dashboard",
    "surveyresponse": "dashboard",
    "visit": "visits",
    "visitcampaign": "visits",
    "visitnote": "visits",
    "visitphoto": "visits",
}


def _relabel_moved(table: dict[str, dict[str, tuple[str, ...]]]) -> dict:
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for app_label, models_ in table.items():
        for model, actions in models_.items():
            label = (
                _MOVED_FROM_LIAISON.get(model, app_label) if app_label == "liaison" else app_label
            )
            out.setdefault(label, {})[model] = actions
    return out


ROLE_PERMISSIONS = {role: _relabel_moved(table) for role, table in ROLE_PERMISSIONS.items()}


def sync_role_groups(apps=None) -> None:
    """Create the role groups and grant exactly the permissions of ROLE_PERMISSIONS.

    Idempotent; runs in the data migration and again after every migrate, so permissions of
    models added later reach the roles.
    """
    if apps is None:
        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    available = {
        (p.content_type.app_label, p.codename): p.pk
        for p in Permission.objects.select_related("content_type")
    }
    for role, grants in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = {
            available[(app_label, f"{action}_{model}")]
            for app_label, models_ in grants.items()
            for model, actions in models_.items()
            for action in actions
            if (app_label, f"{action}_{model}") in available
        }
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, app_config=None, using="default", apps=None, **kwargs):
    # Runs once per app; only the last app (ours) needs to act, after every permission exists.
    # visits and dashboard now come after issues in INSTALLED_APPS; dashboard is the last app
    # with models (demo has none, and gets no post_migrate).
    if app_config is None or app_config.label != "dashboard":
        return
    sync_role_groups()
