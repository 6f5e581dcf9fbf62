"""Admin pages of the security controls and of user accounts. Imported by liaison/admin.py.

The user admin obeys the policy (liaison.access, "Users and their roles"): a township admin lists
its township's users, changes only those it manages (never admins or superusers), grants only the
roles below its own and never sees the staff/superuser flags or raw permissions on its form. Every
change of roles, flags, active state or password is checked and audited by
liaison.accounts in the transaction of the change.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.models import AccountSecurity, ApiTokenActivity, SecurityPolicy
from core.security import services
from liaison import accounts
from liaison.access import users_manageable_by
from liaison.admin_scope import (
    AppendOnlyAdmin,
    PolicyScopedAdmin,
    ScopedStackedInline,
    is_operator,
)

User = get_user_model()


class AccountSecurityInline(ScopedStackedInline):
    model = AccountSecurity
    can_delete = False
    fields = ["must_change_password", "password_changed_at"]
    readonly_fields = ["password_changed_at"]
    extra = 1
    max_num = 1


class UserAdmin(PolicyScopedAdmin, DjangoUserAdmin):
    """A password an administrator sets (new account or reset) is an initial password: the
    user must replace it at the next login."""

    inlines = [AccountSecurityInline]
    # What a township admin may see and change: no staff/superuser flags, no raw permissions.
    township_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
        (_("角色与状态"), {"fields": ("is_active", "groups")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None or is_operator(request.user):
            return super().get_fieldsets(request, obj)
        return self.township_fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not is_operator(request.user):
            readonly += ["last_login", "date_joined"]
        return readonly

    def get_list_filter(self, request):
        if is_operator(request.user):
            return super().get_list_filter(request)
        return ["is_active", "groups"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or users_manageable_by(request.user).filter(pk=obj.pk).exists()

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated (is_active), never deleted: the audit trail points at them.
        return False

    def save_model(self, request, obj, form, change):
        request._account_before = accounts.AccountState.of(obj) if change else None
        super().save_model(request, obj, form, change)
        if not change:
            accounts.account_attach_to_township(actor=request.user, user=obj)
            if obj.has_usable_password():
                services.account_require_password_change(
                    user=obj, actor=request.user, request=request
                )

    def save_related(self, request, form, formsets, change):
        groups_before = set(form.instance.groups.all()) if change else set()
        super().save_related(request, form, formsets, change)
        user = form.instance
        if change and "groups" in form.cleaned_data and not is_operator(request.user):
            # roles the form did not offer (none today: admins are not managed here) stay
            offered = set(form.fields["groups"].queryset)
            kept = groups_before - offered
            if kept:
                user.groups.add(*kept)
        accounts.account_change_record(
            actor=request.user,
            user=user,
            before=getattr(request, "_account_before", None),
            request=request,
        )

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                accounts.account_password_set(actor=request.user, user=user, request=request)
        return response


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, UserAdmin)


class GroupAdmin(PolicyScopedAdmin, DjangoGroupAdmin):
    """The role groups and their permissions are liaison/roles.py's: read-only but for the
    operator (a shared scope in liaison.admin_scope)."""


if admin.site.is_registered(Group):
    admin.site.unregister(Group)
admin.site.register(Group, GroupAdmin)


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(PolicyScopedAdmin):
    """One policy for the whole deployment: changed by the operator (superuser) only."""

    list_display = ["__str__", "require_2fa_for_admins", "require_2fa_for_leaders", "updated_at"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SecurityPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.security_policy_update(policy=obj, actor=request.user, request=request)


@admin.register(ApiTokenActivity)
class ApiTokenActivityAdmin(AppendOnlyAdmin):
    """When each API token was last used (the idle limit): written by the API, read here."""

    list_display = ["user", "last_used_at"]
    list_select_related = ["token__user"]
    fields = readonly_fields = ["user", "last_used_at"]  # never the token's key

    @admin.display(description=_("账号"))
    def user(self, obj):
        return obj.token.user
