"""Password policy of 等保2.0: ≥ 10 characters, three character classes, not like the
username, not a common or all-numeric password."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize(
    ("password", "error_code"),
    [
        ("Ab1!", "password_too_short"),
        ("Abcdefg1!", "password_too_short"),  # 9 characters
        ("abcdefghijk", "password_too_simple"),  # one class
        ("abcdefgh12", "password_too_simple"),  # two classes
        ("ABCDEFGH!!", "password_too_simple"),  # two classes
        ("12345678901", "password_entirely_numeric"),
        ("Password123", "password_too_common"),
        ("Zhangwei2024!", "password_too_similar"),  # the username
        ("Lianxin#2026zhangwei2024", "password_contains_user_attribute"),  # inside a long one
        ("Lianxin#2026" + "zhangwei2024"[::-1], "password_contains_user_attribute"),
        ("Lianxin#2026", None),
        ("abcdefgh1!", None),  # lower + digit + symbol
        ("联系群众Ab1234", None),  # non-ASCII counts as a symbol
    ],
)
def test_password_policy(password, error_code):
    user = get_user_model()(username="zhangwei2024")
    if error_code is None:
        validate_password(password, user)
        return
    with pytest.raises(ValidationError) as caught:
        validate_password(password, user)
    assert error_code in [e.code for e in caught.value.error_list]


def test_the_character_class_message_is_chinese():
    with pytest.raises(ValidationError) as caught:
        validate_password("abcdefghijkl")
    assert "至少三类" in " ".join(caught.value.messages)


def test_the_first_login_password_change_refuses_the_username_inside():
    """Every form that sets a password runs the validators with the user (first-login change,
    admin set-password): a cadre's mobile number inside a long password is refused."""
    from django.contrib.auth.forms import AdminPasswordChangeForm

    from core.security.forms import SecurePasswordChangeForm

    user = get_user_model()(username="13812345678")
    user.set_password("Old#Passw0rd")
    new = "Lianxin2026Ab13812345678"
    page = SecurePasswordChangeForm(
        user, {"old_password": "Old#Passw0rd", "new_password1": new, "new_password2": new}
    )
    admin = AdminPasswordChangeForm(
        user, {"password1": new, "password2": new, "usable_password": "true"}
    )
    for form in (page, admin):
        assert not form.is_valid()
        assert "用户名" in str(form.errors)
