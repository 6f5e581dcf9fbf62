"""Errors the domain raises that every door answers the same way."""

from __future__ import annotations


class Conflict(Exception):
    """The change does not apply to the record in its present state: the API answers 409 with
    `reason`, a page shows it as a message. Domain apps subclass it (an issue's
    TransitionNotAllowed)."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason
