"""The admin site obeys the one access policy: every ModelAdmin takes its rows, its foreign-key
choices and its object permissions from `liaison.access` / `issues.access` through
`PolicyScopedAdmin`.

`SCOPES` names, for every model the admin shows or offers as a choice, the rows a user may see
(and choose). A model missing from it has no rows and no choices for anyone but a superuser, so a
new model is closed until someone decides its scope here. Superusers (the district/system
operators) see everything. Rows shared by every township (global settings, the holiday calendar,
district departments, role groups, beat schedules) may be looked at by those holding the model's
view permission but are added, changed and deleted only by superusers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import Http404

from liaison.access import (
    cadres_visible_to,
    roles_grantable_by,
    roles_of,
    township_id_of,
    users_visible_to,
    workgroups_visible_to,
)

RowsFn = Callable[[object], QuerySet]


@dataclass(frozen=True)
class Scope:
    rows: RowsFn  # (user) -> the model's rows the user may see
    choices: RowsFn | None = None  # rows offered in forms (default: rows)
    shared: bool = False  # one row set for every township: only superusers write it


def is_operator(user) -> bool:
    """A superuser: the district/system operator, who sees and manages everything."""
    return bool(getattr(user, "is_superuser", False) and getattr(user, "is_active", False))


def _manager(label: str):
    return apps.get_model(label)._default_manager


# --- Scope builders -------------------------------------------------------------------------------
def _township(label: str, path: str = "township") -> RowsFn:
    """Rows whose township (reached by `path`) is the user's; district-level users: all; a user
    without a role: none (the policy's township scope)."""

    def rows(user) -> QuerySet:
        qs = _manager(label).all()
        if not roles_of(user):
            return qs.none()
        township_id = township_id_of(user)
        if township_id is None:
            return qs
        key = "pk" if path == "pk" else f"{path}_id"
        return qs.filter(**{key: township_id})

    return rows


def _within(label: str, field: str, parent: RowsFn) -> RowsFn:
    """Rows whose `field` points at a row of the parent scope."""

    def rows(user) -> QuerySet:
        return _manager(label).filter(**{f"{field}__in": parent(user).values("pk")})

    return rows


def _everyone_with_a_role(label: str) -> RowsFn:
    def rows(user) -> QuerySet:
        qs = _manager(label).all()
        return qs if roles_of(user) else qs.none()

    return rows


def _nobody(label: str) -> RowsFn:
    def rows(user) -> QuerySet:
        return _manager(label).none()

    return rows


def _grantable_groups(user) -> QuerySet:
    names = [role.value for role in roles_grantable_by(user)]
    return _manager("auth.Group").filter(name__in=names)


_users = users_visible_to


def _shared(label: str) -> Scope:
    return Scope(_everyone_with_a_role(label), shared=True)


def _operators_only(label: str) -> Scope:
    return Scope(_nobody(label), shared=True)


SCOPES: dict[str, Scope] = {
    # the organisation (liaison)
    "liaison.township": Scope(_township("liaison.Township", "pk")),
    "liaison.village": Scope(_township("liaison.Village")),
    "liaison.workgroup": Scope(workgroups_visible_to),
    "liaison.cadre": Scope(cadres_visible_to),
    "liaison.liaisonunit": Scope(_township("liaison.LiaisonUnit")),
    "core.auditentry": Scope(_township("core.AuditEntry")),
    "core.notification": Scope(_within("core.Notification", "recipient", _users)),
    "core.accountsecurity": Scope(_within("core.AccountSecurity", "user", _users)),
    "core.securitypolicy": _shared("core.SecurityPolicy"),
    "core.outboxmessage": _operators_only("core.OutboxMessage"),
    "core.delivery": Scope(_within("core.Delivery", "recipient", _users)),
    "core.periodicrun": _operators_only("core.PeriodicRun"),
    # accounts: a township admin sees its township's users and grants only the roles below its own
    "auth.user": Scope(_users),
    "auth.group": Scope(_everyone_with_a_role("auth.Group"), _grantable_groups, shared=True),
    "auth.permission": _operators_only("auth.Permission"),
    "authtoken.token": Scope(_within("authtoken.Token", "user", _users)),
    "core.apitokenactivity": Scope(_within("core.ApiTokenActivity", "token__user", _users)),
    "authtoken.tokenproxy": Scope(_within("authtoken.TokenProxy", "user", _users)),
    "otp_totp.totpdevice": Scope(_within("otp_totp.TOTPDevice", "user", _users)),
    # system tables: the operator's
    "axes.accessattempt": _operators_only("axes.AccessAttempt"),
    "axes.accesslog": _operators_only("axes.AccessLog"),
    "axes.accessfailurelog": _operators_only("axes.AccessFailureLog"),
    "django_celery_beat.periodictask": _shared("django_celery_beat.PeriodicTask"),
    "django_celery_beat.clockedschedule": _shared("django_celery_beat.ClockedSchedule"),
    "django_celery_beat.crontabschedule": _shared("django_celery_beat.CrontabSchedule"),
    "django_celery_beat.solarschedule": _shared("django_celery_beat.SolarSchedule"),
    "django_celery_beat.intervalschedule": _shared("django_celery_beat.IntervalSchedule"),
}


def register_scopes(scopes: dict[str, Scope]) -> None:
    """Each app declares the admin scopes of its models from its own admin module, with its own
    access functions (liaison must not import the apps above it)."""
    SCOPES.update(scopes)


# Public builders for the apps' declarations.
township_rows = _township
rows_within = _within
shared = _shared
operators_only = _operators_only


def scope_of(model: type[Model]) -> Scope:
    """The model's scope; a model nobody declared is closed (only superusers see it)."""
    return SCOPES.get(model._meta.label_lower) or _operators_only(model._meta.label)


def rows_visible_to(model: type[Model], user) -> QuerySet:
    if is_operator(user):
        return model._default_manager.all()
    return scope_of(model).rows(user)


def choices_for(model: type[Model], user) -> QuerySet:
    """The rows of `model` a user may pick in a form's foreign key or many-to-many field."""
    if is_operator(user):
        return model._default_manager.all()
    scope = scope_of(model)
    return (scope.choices or scope.rows)(user)


class ScopedChoicesMixin:
    """Foreign-key and many-to-many choices (autocomplete too) limited to the policy's scope of
    the related model, for ModelAdmins and inlines alike."""

    def _scoped_choices(self, db_field, request):
        qs = choices_for(db_field.related_model, request.user)
        related_admin = self.admin_site._registry.get(db_field.related_model)
        ordering = related_admin.get_ordering(request) if related_admin else ()
        return qs.order_by(*ordering) if ordering else qs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if is_operator(request.user):
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        kwargs.setdefault("queryset", self._scoped_choices(db_field, request))
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.related_model._meta.label_lower == "liaison.township":
            # An empty township means "district level, sees every township": only the operator
            # may leave it empty.
            field.required = True
            field.empty_label = None
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and not is_operator(request.user):
            kwargs["queryset"] = self._scoped_choices(db_field, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class PolicyScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """A ModelAdmin whose rows, choices and object permissions come from the access policy.

    Subclasses may override `visible_to(user)` (e.g. to delegate to a policy function); by
    default it is the model's entry in `SCOPES`. An object outside it is a 404.
    """

    def visible_to(self, user) -> QuerySet:
        return rows_visible_to(self.model, user)

    @property
    def shared(self) -> bool:
        return scope_of(self.model).shared

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_operator(request.user):
            return qs
        return qs.filter(pk__in=self.visible_to(request.user).values("pk"))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404  # out of scope and non-existent look the same
        return obj

    def in_scope(self, request, obj) -> bool:
        if obj is None or is_operator(request.user):
            return True
        cache = request.__dict__.setdefault("_policy_scope_cache", {})
        key = (self.model._meta.label_lower, obj.pk)
        if key not in cache:
            cache[key] = self.visible_to(request.user).filter(pk=obj.pk).exists()
        return cache[key]

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.in_scope(request, obj)

    def get_actions(self, request):
        # Bulk actions write (beat's enable/disable/run declare no permission): on rows every
        # township shares, none but the operator's.
        if self.shared and not is_operator(request.user):
            return {}
        return super().get_actions(request)

    def has_add_permission(self, request, *args):
        if self.shared and not is_operator(request.user):
            return False
        return super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        if self.shared and not is_operator(request.user):
            return False
        return super().has_change_permission(request, obj) and self.in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self.shared and not is_operator(request.user):
            return False
        return super().has_delete_permission(request, obj) and self.in_scope(request, obj)


class ScopedTabularInline(ScopedChoicesMixin, admin.TabularInline):
    pass


class ScopedStackedInline(ScopedChoicesMixin, admin.StackedInline):
    pass


class AppendOnlyAdmin(PolicyScopedAdmin):
    """Records that are only ever appended (audit entries, issue events, system deliveries):
    looked at, never added, changed or deleted here, by anyone."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
