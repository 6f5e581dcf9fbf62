"""The project's settings for the test suite (pyproject's DJANGO_SETTINGS_MODULE).

Everything is liaison.settings except the password hasher: the production hashers are
deliberately slow (~0.9 s a user on a busy two-core machine) and the suite creates hundreds of
users. MD5 comes first, so every test user is hashed with it; the production hashers stay in the
list behind it, and a test that checks how passwords are stored in production sets
`settings.PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS` (pytest-django's `settings` fixture).
"""

from django.conf import global_settings

from liaison.settings import *  # noqa: F403

# liaison.settings keeps Django's default list (PBKDF2 first) unless it names its own.
PRODUCTION_PASSWORD_HASHERS = list(
    globals().get("PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)
)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    *PRODUCTION_PASSWORD_HASHERS,
]
