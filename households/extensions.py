"""What the apps above households add to it, without households importing them.

A higher app registers from its `AppConfig.ready()`: a panel of the household page (the visits
app its recent visits, the issues app the household's issues the reader may open) or a filter of
the household list (the visits app "not visited this month"). Households call what is
registered and knows nothing more.
"""

from __future__ import annotations

from collections.abc import Callable

# name -> fn(household, user) -> list, shown on the household page under that name
household_panels: dict[str, Callable] = {}
# name -> fn(queryset) -> queryset, a filter of the household list
household_filters: dict[str, Callable] = {}


def register_household_panel(name: str, rows_for: Callable) -> None:
    household_panels[name] = rows_for


def register_household_filter(name: str, narrow: Callable) -> None:
    household_filters[name] = narrow
