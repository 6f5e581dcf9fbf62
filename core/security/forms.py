from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _


class SecurePasswordChangeForm(PasswordChangeForm):
    """The new password must differ from the old one (an initial password cannot be kept)."""

    def clean_new_password1(self):
        new = self.cleaned_data.get("new_password1")
        if new and self.user.check_password(new):
            raise forms.ValidationError(_("新密码不能与原密码相同。"), code="password_unchanged")
        return new


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("动态口令"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("请输入验证器应用中的 6 位数字。")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
        ),
    )
