"""What one roster run knows and collects: lookups, counts, row errors and row changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

MAX_ERRORS_KEPT = 1000
# The preview lists this many member moves, renames and pairings that would end (with totals).
PREVIEW_LISTED = 200
# Row changes are handed to the writer in batches of this many (one COPY/INSERT each).
CHANGE_BATCH = 5000
_NO_FIELDS: dict = {}  # shared by every new row's change (never mutated)


@dataclass
class ImportContext:
    township: object
    actor: object = None
    dry_run: bool = True
    today: object = field(default_factory=timezone.localdate)
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    # Where row changes go: a callable taking a list of (sheet, row, action, key, fields)
    # tuples, called every CHANGE_BATCH changes and once at the end (flush_changes). Without
    # one, changes are collected in `changes` (small programmatic runs and tests only).
    change_writer: Callable[[list[tuple]], None] | None = None
    changes: list[dict] = field(default_factory=list)
    change_count: int = 0
    _pending: list[tuple] = field(default_factory=list)
    # Pairings the 结对 sheet leaves out: reported by the preview, ended only when asked.
    end_missing_pairings: bool = False
    # How many the importer confirmed ending (typed, or seen on the preview): see guards.py.
    confirm_end: int | None = None
    missing_pairings: int = 0
    # What the preview lists beyond counts: the first PREVIEW_LISTED of each, and their totals.
    moves: list[dict] = field(default_factory=list)
    move_count: int = 0
    renames: list[dict] = field(default_factory=list)
    rename_count: int = 0
    ending: list[dict] = field(default_factory=list)
    ending_by_cadre: dict[tuple[str, str], int] = field(default_factory=dict)
    # A real run's moves, every one, for the members' audit: (pk, label, from, to, old, new name).
    moved_residents: list[tuple] = field(default_factory=list)
    # For the one-head check: households members moved out of, and per household the rows
    # that took its head away (moved or made non-head): [(sheet, row, name, moved_to)].
    left_households: set[int] = field(default_factory=set)
    head_losses: dict[int, list[tuple]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    # 户 sheet head ID numbers, so a head missing from 成员 still becomes a resident.
    heads: dict[str, str] = field(default_factory=dict)  # code -> "row\tnumber\tname\tphone"
    # Household codes whose 户 row was refused: their members are not reported twice.
    refused_codes: set[str] = field(default_factory=set)

    def count(self, sheet: str, kind: str, n: int = 1) -> None:
        per_sheet = self.counts.setdefault(
            sheet, {"new": 0, "updated": 0, "unchanged": 0, "error": 0}
        )
        per_sheet[kind] = per_sheet.get(kind, 0) + n  # "moved" only where a member moved

    def error(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append({"sheet": sheet, "row": row, "column": column, "message": message})

    def change(self, sheet: str, row: int | None, key: str, kind: str, fields: dict | None = None):
        """Record one row change; a dry run records none (it writes nothing to describe)."""
        if self.dry_run:
            return
        self.change_count += 1
        if self.change_writer is None:
            entry = {"sheet": sheet, "row": row, "key": key, "type": kind}
            if fields:
                entry["fields"] = fields
            self.changes.append(entry)
            return
        self._pending.append((sheet, row, kind, key[:64], fields or _NO_FIELDS))
        if len(self._pending) >= CHANGE_BATCH:
            self.flush_changes()

    def flush_changes(self) -> None:
        if self._pending and self.change_writer is not None:
            self.change_writer(self._pending)
        self._pending = []

    def listed(self, items: list, item: dict) -> None:
        if len(items) < PREVIEW_LISTED:
            items.append(item)

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    def preview(self) -> dict:
        """The preview's lists as stored on the import (RosterImport.preview)."""
        by_cadre = sorted(self.ending_by_cadre.items(), key=lambda item: (-item[1], item[0]))
        return {
            "moves": self.moves,
            "move_count": self.move_count,
            "renames": self.renames,
            "rename_count": self.rename_count,
            "ending": self.ending,
            "ending_count": self.missing_pairings,
            "ending_by_cadre": [
                {"cadre": name, "phone": phone, "count": n} for (name, phone), n in by_cadre
            ],
        }
