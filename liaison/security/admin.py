"""Admin pages of the security controls. Imported by liaison/admin.py."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from liaison.models_security import AccountSecurity, SecurityPolicy

from . import services

User = get_user_model()


class AccountSecurityInline(admin.StackedInline):
    model = AccountSecurity
    can_delete = False
    fields = ["must_change_password", "password_changed_at"]
    readonly_fields = ["password_changed_at"]
    extra = 1
    max_num = 1


class UserAdmin(DjangoUserAdmin):
    """A password an administrator sets (new account or reset) is an initial password: the
    user must replace it at the next login."""

    inlines = [AccountSecurityInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and obj.has_usable_password():
            services.account_require_password_change(user=obj, actor=request.user, request=request)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        user = self.get_object(request, id)
        if (
            request.method == "POST"
            and response.status_code == 302
            and user is not None
            and user.pk != request.user.pk
        ):
            services.account_require_password_change(user=user, actor=request.user, request=request)
        return response


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, UserAdmin)


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "require_2fa_for_admins", "require_2fa_for_leaders", "updated_at"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request):
        return not SecurityPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.security_policy_update(policy=obj, actor=request.user, request=request)
