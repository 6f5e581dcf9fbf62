"""Security controls of 等保2.0 level 3 that are not part of one business app: first-login
password change, the TOTP second factor, login auditing and the account middleware."""
