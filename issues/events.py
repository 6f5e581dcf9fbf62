"""The issue's timeline (IssueEvent): the only code that creates its rows.

The workflow appends one event per transition, the services append the intake and the overdue
scan's events, and the demo builds whole histories in bulk with `event_build` and
`events_bulk_append`. Events are append-only (`IssueEvent.save` refuses updates).
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import Issue, IssueEvent


def event_build(
    *,
    issue: Issue,
    action: str,
    at,
    actor=None,
    actor_id: int | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str = "",
    payload: dict | None = None,
) -> IssueEvent:
    """An unsaved event; `from_status`/`to_status` default to the issue's present status (an
    event that records an act without a state change)."""
    status = issue.status
    event = IssueEvent(
        issue=issue,
        at=at,
        actor=actor,
        action=action,
        from_status=status if from_status is None else from_status,
        to_status=status if to_status is None else to_status,
        note=str(note or "")[:4000],
        payload=payload or {},
    )
    if actor is None and actor_id is not None:
        event.actor_id = actor_id  # bulk replays know only the user's id
    return event


def event_append(**fields) -> IssueEvent:
    """Append one event, in the caller's transaction. Takes the fields of `event_build`."""
    event = event_build(**fields)
    event.save()
    return event


def events_bulk_append(events: Iterable[IssueEvent], *, batch_size: int = 2000) -> None:
    """Insert built events in bulk (the demo's history); no signals, no per-row save."""
    IssueEvent.objects.bulk_create(events, batch_size=batch_size)
