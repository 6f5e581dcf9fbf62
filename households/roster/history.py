"""Reading one import's row-by-row history, for its page and the admin.

Imports since the RosterImportChange table keep one row per change; older ones kept a JSON
list on the import itself. Both read the same way here, filtered by sheet and action.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator

from households.models import RosterImport, RosterImportChange

PAGE_SIZE = 100


@dataclass(frozen=True)
class LegacyChange:
    sheet: str
    row: int | None
    key: str
    action: str
    fields: dict = field(default_factory=dict)


def roster_changes(roster_import: RosterImport, *, sheet: str = "", action: str = ""):
    """The import's changes in row order: a queryset, or a list for an old import."""
    if roster_import.changes:
        return [
            change
            for change in (
                LegacyChange(
                    c.get("sheet", ""),
                    c.get("row"),
                    c.get("key", ""),
                    c.get("type", ""),
                    c.get("fields") or {},
                )
                for c in roster_import.changes
            )
            if (not sheet or change.sheet == sheet) and (not action or change.action == action)
        ]
    rows = RosterImportChange.objects.filter(roster_import=roster_import)
    if sheet:
        rows = rows.filter(sheet=sheet)
    if action:
        rows = rows.filter(action=action)
    return rows.order_by("id").only("sheet", "row", "key", "action", "fields")


def roster_change_page(
    roster_import: RosterImport, *, sheet: str = "", action: str = "", page=None
) -> Page:
    return Paginator(roster_changes(roster_import, sheet=sheet, action=action), PAGE_SIZE).get_page(
        page
    )
