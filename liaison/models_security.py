"""Account security state (等保2.0 身份鉴别): first-login password change and the 2FA switch.

Imported at the end of liaison/models.py so the models belong to the liaison app.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccountSecurity(models.Model):
    """Per-user security flags. No row means nothing is pending (e.g. the demo accounts)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="account_security",
        verbose_name=_("账号"),
    )
    must_change_password = models.BooleanField(
        _("须修改初始密码"),
        default=False,
        help_text=_("管理员设置的初始密码或重置的密码，用户下次登录时必须修改。"),
    )
    password_changed_at = models.DateTimeField(_("最近修改密码时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("账号安全状态")
        verbose_name_plural = _("账号安全状态")

    def __str__(self) -> str:
        return str(self.user)


class SecurityPolicy(models.Model):
    """One row (pk=1): switches an administrator can flip without a deployment."""

    require_2fa_for_admins = models.BooleanField(_("系统管理员必须启用双因素认证"), default=False)
    require_2fa_for_leaders = models.BooleanField(_("乡镇领导必须启用双因素认证"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("安全策略")
        verbose_name_plural = _("安全策略")

    def __str__(self) -> str:
        return str(_("安全策略"))

    def save(self, *args, **kwargs):
        self.pk = 1  # a singleton: there is only one policy
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "SecurityPolicy":
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class ApiTokenActivity(models.Model):
    """When an API token (DRF authtoken) was last used: the idle limit of the sessions applies
    to tokens too (liaison.api.auth). No row: the token has not been used since it was issued."""

    token = models.OneToOneField(
        "authtoken.Token",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="activity",
        verbose_name=_("令牌"),
    )
    last_used_at = models.DateTimeField(_("最近使用时间"))

    class Meta:
        verbose_name = _("API 令牌使用记录")
        verbose_name_plural = _("API 令牌使用记录")

    def __str__(self) -> str:
        return f"{self.token.user_id} @ {self.last_used_at:%Y-%m-%d %H:%M}"


from liaison.security import checks as _checks  # noqa: E402, F401 - register the system checks
from liaison.security import signals as _signals  # noqa: E402, F401 - connect the audit receivers
