"""What one roster run knows and collects: lookups, counts, row errors and row changes."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

MAX_ERRORS_KEPT = 1000


@dataclass
class ImportContext:
    township: object
    actor: object = None
    dry_run: bool = True
    today: object = field(default_factory=timezone.localdate)
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    changes: list[dict] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    # 户 sheet head ID numbers, so a head missing from 成员 still becomes a resident.
    heads: dict[str, tuple] = field(default_factory=dict)
    # Household codes whose 户 row was refused: their members are not reported twice.
    refused_codes: set[str] = field(default_factory=set)

    def count(self, sheet: str, kind: str, n: int = 1) -> None:
        per_sheet = self.counts.setdefault(
            sheet, {"new": 0, "updated": 0, "unchanged": 0, "error": 0}
        )
        per_sheet[kind] += n

    def error(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append({"sheet": sheet, "row": row, "column": column, "message": message})

    def change(self, sheet: str, row: int, key: str, kind: str, fields: dict | None = None):
        entry = {"sheet": sheet, "row": row, "key": key, "type": kind}
        if fields:
            entry["fields"] = fields
        self.changes.append(entry)

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0
