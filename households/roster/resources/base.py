"""The base of the four roster sheets' resources (django-import-export).

Each chunk of rows is cleaned and its existing records are fetched in one query
(`before_import`); rows then flow through import-export's bulk machinery (`use_bulk`,
`skip_diff`) and an unchanged row is skipped by comparing a cheap snapshot of the fields.
"""

from __future__ import annotations

from functools import cached_property
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources
from import_export.results import RowResult

from .. import cleaning as clean
from ..bulk import insert_instances, update_instances


class SheetMeta:
    use_bulk = True
    skip_diff = True
    skip_html_diff = True
    clean_model_instances = False
    report_skipped = False
    batch_size = 5000
    fields = ("id",)


class _LightRowResult(RowResult):
    """Keeps no repr of the instance: str() of a Pairing would query its cadre and household."""

    def add_instance_info(self, instance):
        self.object_id = getattr(instance, "pk", None)


class SheetResource(resources.ModelResource):
    sheet_name = ""
    key_header = ""
    repeated: frozenset[str] = frozenset()  # headers whose cleaned values are cached
    compared: tuple[str, ...] = ()
    update_fields: tuple[str, ...] = ()

    def __init__(self, ctx):
        super().__init__()
        self.ctx = ctx
        self.seen: dict = {}
        self.cleaned: dict[int, tuple] = {}
        self.existing: dict = {}
        self._cleaned_values: dict[tuple, tuple] = {}

    def get_row_result_class(self):
        return _LightRowResult

    # --- per chunk -----------------------------------------------------------------------
    def before_import(self, dataset, **kwargs):
        self.cleaned = {}
        for values in dataset:
            row = dict(zip(dataset.headers, values, strict=True))
            errors: dict[str, str] = {}
            data = self.clean(row, errors)
            key = data.get("key")
            if key is not None and not errors:
                seen_key = self.seen_key(key)
                first = self.seen.get(seen_key)
                if first is not None:
                    errors[self.key_header] = self.duplicate_message(first)
                else:
                    self.seen[seen_key] = self.seen_row(row)
            self.cleaned[row["_row"]] = (data, errors)
        keys = [d["key"] for d, e in self.cleaned.values() if not e]
        self.existing = self.load_existing(keys) if keys else {}
        self.after_prefetch()

    def after_import(self, dataset, result, **kwargs):
        """We never supply primary keys, so no sequence reset is needed."""

    def field(self, errors: dict, header: str, cleaner, value, **kwargs):
        if header in self.repeated:
            return self._field_cached(errors, header, cleaner, value, **kwargs)
        try:
            return cleaner(value, **kwargs)
        except ValidationError as error:
            errors[header] = clean.message_of(error)
            return None

    def _field_cached(self, errors: dict, header: str, cleaner, value, **kwargs):
        """Columns with few distinct values (village, tags, relation...) are cleaned once per
        value: the result or the message is remembered for the rest of the import."""
        key = (header, type(value), value)  # 1, 1.0 and True hash alike
        found = self._cleaned_values.get(key)
        if found is None:
            try:
                found = (cleaner(value, **kwargs), None)
            except ValidationError as error:
                found = (None, clean.message_of(error))
            if len(self._cleaned_values) < MAX_CACHED_VALUES:
                self._cleaned_values[key] = found
        if found[1] is not None:
            errors[header] = found[1]
        return found[0]

    def seen_key(self, key):
        """How a row's key is remembered (for duplicates) for the rest of the import."""
        return key

    def seen_row(self, row) -> int:
        """What is remembered of the row that first had a key: its number."""
        return row["_row"]

    def duplicate_message(self, first_row) -> str:
        return _("与第 %(row)s 行重复：同一%(what)s只能出现一次。") % {
            "row": first_row,
            "what": self.key_header,
        }

    # --- per row -------------------------------------------------------------------------
    def before_import_row(self, row, **kwargs):
        data, errors = self.cleaned[row["_row"]]
        data.update(self.check(data, errors))
        if errors:
            sheet = row.get("_sheet") or self.sheet_name
            for header, message in errors.items():
                self.ctx.error(sheet, row["_row"], self.column_label(sheet, header), message)
            self.ctx.count(self.sheet_name, "error")
            self.on_refused(data)
            raise ValidationError(errors)
        self.current = data

    def column_label(self, sheet, header):
        return header

    def get_instance(self, instance_loader, row):
        found = self.existing.get(self.current["key"])
        if not isinstance(found, dict):
            return found  # None, or a model instance (cadres)
        # A stored row as a dict: apply the file's values to a cheap copy first, and build a
        # model instance only when something differs (most re-imported rows are unchanged).
        probe = SimpleNamespace(**found)
        self.apply(probe, self.current, new=False)
        if vars(probe) == found:
            return self.unchanged
        return self._meta.model(**found)

    def new_instance(self, **values):
        """A fresh unsaved instance for the bulk insert: a copy of one default instance made
        per import. Model.__init__ costs ten times more and runs for every new row."""
        model = self._meta.model
        instance = model.__new__(model)
        instance.__dict__.update(self._defaults, **values, _state=ModelState())
        return instance

    @cached_property
    def _defaults(self) -> dict:
        defaults = vars(self._meta.model()).copy()
        del defaults["_state"]
        if any(isinstance(v, list | dict | set) for v in defaults.values()):
            raise TypeError("new_instance() would share a mutable default between rows")
        return defaults

    @cached_property
    def unchanged(self):
        """One placeholder instance returned for every unchanged row: never saved."""
        return self._meta.model()

    def after_init_instance(self, instance, new, row, **kwargs):
        if instance is self.unchanged:
            self.before = UNCHANGED
        else:
            self.before = None if new else self.snapshot(instance)

    def import_instance(self, instance, row, **kwargs):
        if self.before is not UNCHANGED:
            self.apply(instance, self.current, new=self.before is None)

    def snapshot(self, instance) -> dict:
        return {f: getattr(instance, f) for f in self.compared}

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if self.before is None or import_validation_errors:
            return False
        if self.before is UNCHANGED or self.snapshot(instance) == self.before:
            self.ctx.count(self.sheet_name, "unchanged")
            return True
        return False

    def save_instance(self, instance, is_create, row, **kwargs):
        key = str(self.current.get("label") or self.current["key"])
        sheet = row.get("_sheet") or self.sheet_name
        if is_create:
            self.ctx.count(self.sheet_name, "new")
            self.ctx.change(sheet, row["_row"], key, "new")
        else:
            after = self.snapshot(instance)
            diff = {f: [jsonable(v), jsonable(after[f])] for f, v in self.before.items()}
            diff = {f: pair for f, pair in diff.items() if pair[0] != pair[1]}
            kind = self.updated_kind(instance, diff, sheet, row["_row"])
            self.ctx.count(self.sheet_name, kind)
            self.ctx.change(sheet, row["_row"], key, kind, diff)
            if hasattr(instance, "updated_at"):
                instance.updated_at = timezone.now()
        super().save_instance(instance, is_create, row, **kwargs)

    def get_bulk_update_fields(self):
        return list(self.update_fields)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """New rows go in through COPY on PostgreSQL (see bulk.py), bulk_create elsewhere."""
        if not self.create_instances:
            return
        try:
            insert_instances(self._meta.model, self.create_instances)
        except Exception as error:  # noqa: BLE001 - reported like import-export's own
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """Changed rows: COPY into a temporary table + one UPDATE on PostgreSQL (see bulk.py)."""
        if not self.update_instances:
            return
        try:
            update_instances(self._meta.model, self.update_instances, self.update_fields)
        except Exception as error:  # noqa: BLE001 - reported like import-export's own
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.update_instances.clear()

    # --- hooks ---------------------------------------------------------------------------
    def clean(self, row, errors) -> dict:
        raise NotImplementedError

    def load_existing(self, keys) -> dict:
        raise NotImplementedError

    def after_prefetch(self) -> None:
        pass

    def check(self, data, errors) -> dict:
        """Checks that need the prefetched lookups; returns extra data."""
        return {}

    def on_refused(self, data) -> None:
        pass

    def updated_kind(self, instance, diff: dict, sheet: str, row: int) -> str:
        """How a changed row is counted and recorded ("updated"); may reword the diff."""
        return "updated"

    def apply(self, instance, data, *, new: bool) -> None:
        raise NotImplementedError


UNCHANGED = object()
MAX_CACHED_VALUES = 5000


def jsonable(value):
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)
