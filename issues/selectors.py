"""Read-side queries over issues. Placeholders until the closed-loop work lands; the home pages
call these names, so keep their signatures."""

from __future__ import annotations


def triage_queue_for(user, *, limit: int = 20) -> list:
    """Reported issues waiting for the user's committees to triage them."""
    return []


def issues_handled_by(user, *, limit: int = 20) -> list:
    """Open issues routed to the user (their village, their department, raised by them)."""
    return []


def headline_figures(*, township_id: int | None) -> dict:
    """The leader's headline: counts and the three rates of DESIGN.md."""
    return {
        "issues_total": 0,
        "issues_open": 0,
        "issues_overdue": 0,
        "response_rate": None,
        "resolution_rate": None,
        "satisfaction_rate": None,
    }
