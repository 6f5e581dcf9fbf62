"""More finished issues for 东村 of the hand-built township (tests/dashboard/conftest.py), so the
fair-ranking tests have one village above the minimum sample and one below it."""

from issues.models import Outcome, Satisfaction, Status

from .conftest import _issue


def add_resolved(town, n: int) -> None:
    """`n` issues of 东村 in March 2025, resolved and confirmed by the resident."""
    for i in range(n):
        _issue(
            f"R{i}",
            village=town.v1,
            committee=town.c1,
            status=Status.RATED,
            outcome=Outcome.RESOLVED,
            satisfaction=Satisfaction.SATISFIED,
            day=11 + i,
        )
