"""The resident's tracking number (查询号): short, unguessable, easy to read out over the phone.

"LX-" and eight characters from an alphabet without 0/O, 1/I/L (31**8 ≈ 8.5×10**11 codes): knowing
one number says nothing about another, and the status page also asks for the phone's last four
digits and is rate-limited (issues/tracking.py)."""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
PREFIX = "LX-"


def new_tracking_code() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_tracking_code(raw: str) -> str:
    """What a resident types ('lx 7k3m-9qpa') as stored ('LX-7K3M9QPA'); '' if malformed."""
    text = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    if text.startswith("LX"):
        text = text[2:]
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return ""
    return PREFIX + text
