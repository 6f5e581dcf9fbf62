"""Admin pages of the security controls and of user accounts. Imported by liaison/admin.py.

The user admin obeys the policy (liaison.access, "Users and their roles"): a township admin lists
its township's users, changes only those it manages (never admins or superusers), grants only the
roles below its own and never sees the staff/superuser flags or raw permissions on its form. Every
change of roles, flags, active state or password is checked and audited by
liaison.accounts in the transaction of the change.

Taking someone off duty goes through `liaison.accounts.cadre_deactivate` from both pages that can
do it: the user page (an account switched off) and the cadre page (在岗 unticked). Each form says
how many households the cadre holds and offers a successor (optional; none leaves the households
unpaired on the group leader's worklist).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext
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
from liaison.forms import CadreDeactivateForm
from liaison.models import Cadre

User = get_user_model()


class AccountSecurityInline(ScopedStackedInline):
    model = AccountSecurity
    can_delete = False
    fields = ["must_change_password", "password_changed_at"]
    readonly_fields = ["password_changed_at"]
    extra = 1
    max_num = 1


# --- Taking a cadre off duty from the admin ------------------------------------------------------
HANDOVER = _("停用与交接")


def _handover_form(form_class, request, cadre: Cadre | None):
    """The admin form with the successor's choices and, on its help text, how many households
    the cadre holds (the same choices as the organisation page's form)."""
    if cadre is None:
        return form_class
    successors = accounts.cadre_successors_for(request.user, cadre)
    count = accounts.cadre_open_pairings(cadre).count()
    help_text = gettext(
        "该干部现有 %(n)s 户结对户。停用时交接给所选干部；不选则列为未结对户，"
        "显示在组长首页待重新结对。"
    ) % {"n": count}

    class HandoverForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            field = self.fields.get("successor")
            if field is not None:
                field.queryset = successors
                field.help_text = help_text

    return HandoverForm


def _cadre_of_user(user) -> Cadre | None:
    return Cadre.objects.filter(user=user).select_related("workgroup").first() if user else None


def _tell(request, done) -> None:
    if done is not None:
        messages.warning(request, done.message)


class UserHandoverForm(UserChangeForm):
    successor = CadreDeactivateForm.base_fields["successor"]


class CadreHandoverForm(forms.ModelForm):
    successor = CadreDeactivateForm.base_fields["successor"]


class CadreDeactivationAdmin:
    """For CadreAdmin (liaison/admin.py): unticking 在岗 takes the cadre off duty through
    `accounts.cadre_deactivate`, with the successor chosen on the form."""

    form = CadreHandoverForm

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is not None else [f for f in fields if f != "successor"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return _handover_form(form, request, obj)

    def save_model(self, request, obj, form, change):
        leaving = change and obj.is_active is False and form.initial.get("is_active") is True
        if leaving:
            obj.is_active = True  # the other fields are saved here, the leaving by the rule
        super().save_model(request, obj, form, change)
        if leaving:
            done = accounts.cadre_deactivate(
                actor=request.user,
                cadre=obj,
                successor=form.cleaned_data.get("successor"),
                request=request,
            )
            _tell(request, done)


class UserAdmin(PolicyScopedAdmin, DjangoUserAdmin):
    """A password an administrator sets (new account or reset) is an initial password: the
    user must replace it at the next login."""

    inlines = [AccountSecurityInline]
    form = UserHandoverForm
    # What a township admin may see and change: no staff/superuser flags, no raw permissions.
    township_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
        (_("角色与状态"), {"fields": ("is_active", "groups")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None or is_operator(request.user):
            fieldsets = super().get_fieldsets(request, obj)
        else:
            fieldsets = self.township_fieldsets
        if obj is not None and _cadre_of_user(obj) is not None:
            fieldsets = (*fieldsets, (HANDOVER, {"fields": ("successor",)}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return _handover_form(form, request, _cadre_of_user(obj))

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
        entry = accounts.account_change_record(
            actor=request.user,
            user=user,
            before=getattr(request, "_account_before", None),
            successor=form.cleaned_data.get("successor"),
            request=request,
        )
        _tell(request, getattr(entry, "deactivation", None))

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
