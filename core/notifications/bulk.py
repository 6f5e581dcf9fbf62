"""Set-based writes of the notification pipeline: any number of rows in one statement.

Django's `bulk_create` cuts an INSERT into batches on SQLite (999 parameters a statement), so its
number of queries grows with the rows. `rows_insert` sends all the rows as ONE JSON parameter and
unpacks them in the database — `json_each` on SQLite, `jsonb_to_recordset` on PostgreSQL — so the
bell, the delivery records and the reminder rows are each one INSERT ... SELECT whatever their
number. The model's own module calls it (the bell in `inapp.py`, deliveries in `core/delivery.py`,
reminders in `visits/reminders.py`): this module writes no model by itself.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from django.db import connection, models
from django.db.models.fields.json import JSONField
from django.utils import timezone


def _column_values(model, rows: Sequence[dict]) -> tuple[list[models.Field], list[list]]:
    """The fields written (those named in the rows, then every other concrete field with its
    default, as bulk_create would) and each row's values prepared for the database, in a
    JSON-serialisable form."""
    named = list(rows[0])
    fields = [model._meta.get_field(name) for name in named]
    defaults = [f for f in model._meta.concrete_fields if f.name not in named and not f.primary_key]
    fields += defaults
    # once for the statement (one timestamp for all its rows)
    default_values = [
        timezone.now() if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_default()
        for f in defaults
    ]  # fmt: skip
    prepared = []
    for row in rows:
        values = [row[name] for name in named] + default_values
        prepared.append([_prepare(f, v) for f, v in zip(fields, values, strict=True)])
    return fields, prepared


def _prepare(field: models.Field, value):
    if value is None:
        return None
    if isinstance(field, JSONField):
        return json.dumps(value, cls=field.encoder, ensure_ascii=False)
    value = field.get_db_prep_save(value, connection)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _select_sql(fields: list[models.Field]) -> str:
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        types = ", ".join(
            f"{quote(f'c{i}')} {'text' if isinstance(f, JSONField) else f.db_type(connection)}"
            for i, f in enumerate(fields)
        )
        columns = ", ".join(
            f"r.{quote(f'c{i}')}" + ("::jsonb" if isinstance(f, JSONField) else "")
            for i, f in enumerate(fields)
        )
        # names and types come from the model's fields, the values travel as one parameter
        return f"SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS r({types})"  # noqa: S608
    if connection.vendor == "sqlite":
        columns = ", ".join(f"json_extract(value, '$.c{i}')" for i in range(len(fields)))
        # "WHERE true": SQLite needs it to parse "INSERT ... SELECT ... ON CONFLICT"
        return f"SELECT {columns} FROM json_each(%s) WHERE true"  # noqa: S608
    raise NotImplementedError(f"rows_insert: no set-based insert for {connection.vendor}")


def rows_insert(model, rows: Sequence[dict], *, ignore_conflicts: bool = False) -> int:
    """INSERT these rows (dicts of field name to value, all with the same keys) in one statement;
    fields not named take their default. With `ignore_conflicts`, rows that break a unique
    constraint are skipped (ON CONFLICT DO NOTHING). Returns how many rows were inserted."""
    if not rows:
        return 0
    fields, values = _column_values(model, rows)
    document = json.dumps(
        [{f"c{i}": v for i, v in enumerate(row)} for row in values], ensure_ascii=False
    )
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) {_select_sql(fields)}"
        + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [document])
        return cursor.rowcount
