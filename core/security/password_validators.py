"""Password rules of 等保2.0 that Django's validators leave open."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_ATTRIBUTE_LENGTH = 4  # shorter values (e.g. a two-character name) are not checked


class ContainsUserAttributeValidator:
    """The password must not contain the username (the cadre's mobile number) or the user's
    name or e-mail, forwards or backwards. Django's UserAttributeSimilarityValidator compares
    the whole password and lets `Lianxin2024Ab13800000000` through: the number is a small
    part of a long password, but it is the first thing an attacker tries."""

    def __init__(self, user_attributes=("username", "first_name", "last_name", "email")):
        self.user_attributes = user_attributes

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        lowered = password.lower()
        for attribute in self.user_attributes:
            value = str(getattr(user, attribute, "") or "").lower()
            if attribute == "email":
                value = value.split("@")[0]
            if len(value) < MIN_ATTRIBUTE_LENGTH:
                continue
            if value in lowered or value[::-1] in lowered:
                raise ValidationError(
                    _("密码不能包含用户名、姓名或电子邮箱。"),
                    code="password_contains_user_attribute",
                )

    def get_help_text(self) -> str:
        return _("密码不能包含用户名、姓名或电子邮箱。")
