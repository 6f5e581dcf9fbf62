"""Fast inserts for the roster import.

Django's bulk_create compiles every value of every row through the field machinery; for a
100,000-household roster that costs as much as reading the workbook. On PostgreSQL the rows go
through COPY instead (one round trip per batch, no SQL compilation); elsewhere bulk_create.
The import never needs the new primary keys, so none are read back.
"""

from __future__ import annotations

import csv
import io
import json
import operator
from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils import timezone

# CSV COPY: the csv module quotes in C. An unquoted empty field is NULL, so text columns are
# FORCE_NOT_NULL (an empty name stays ''); JSON columns are dumped first.
_TEXT_TYPES = {"CharField", "TextField", "SlugField", "EmailField"}


def insert_rows(model, attnames: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERT rows (tuples in the order of attnames) into model's table."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows], batch_size=1000
        )
        return
    fields = [model._meta.get_field(name) for name in attnames]
    with connection.cursor() as cursor:
        _copy(cursor, connection.ops.quote_name(model._meta.db_table), fields, rows)


def _copy(cursor, table: str, fields: list, rows: Iterable[Sequence]) -> None:
    """COPY rows (values in the order of fields) into a quoted table name, as CSV."""
    json_columns = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    if json_columns:
        rows = (_dump_json(row, json_columns) for row in rows)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    if not buffer.tell():
        return
    buffer.seek(0)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    text = [quote(f.column) for f in fields if f.get_internal_type() in _TEXT_TYPES]
    options = "FORMAT csv" + (f", FORCE_NOT_NULL ({', '.join(text)})" if text else "")
    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH ({options})", buffer)


def _dump_json(row: Sequence, columns: list[int]) -> list:
    row = list(row)
    for i in columns:
        value = row[i]
        empty = None if value else _EMPTY_JSON.get(type(value))
        row[i] = empty or json.dumps(value, ensure_ascii=False)
    return row


_EMPTY_JSON = {dict: "{}", list: "[]"}  # most change rows have no fields: skip json.dumps


def insert_instances(model, instances: list) -> None:
    """Insert unsaved model instances; auto_now(_add) fields take the same moment."""
    if not instances:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(instances, batch_size=1000)
        return
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for instance in instances:
                setattr(instance, field.attname, now)
    attnames = [f.attname for f in fields]
    insert_rows(model, attnames, map(operator.attrgetter(*attnames), instances))


def update_instances(model, instances: list, field_names: Sequence[str]) -> None:
    """UPDATE the given fields of saved instances. On PostgreSQL the new values are copied into
    a temporary table and applied by one UPDATE ... FROM: Django's bulk_update builds a CASE
    with one branch per row, which the database scans for every row of the batch."""
    if not instances:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(instances, field_names, batch_size=500)
        return
    meta = model._meta
    fields = [meta.pk, *(meta.get_field(name) for name in field_names)]
    quote = connection.ops.quote_name
    table, temp = quote(meta.db_table), quote(f"roster_update_{meta.db_table}")
    columns = ", ".join(quote(f.column) for f in fields)
    assignments = ", ".join(f"{quote(f.column)} = t.{quote(f.column)}" for f in fields[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            # Identifiers come from model metadata, quoted; values only travel through COPY.
            f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        _copy(
            cursor, temp, fields, map(operator.attrgetter(*(f.attname for f in fields)), instances)
        )
        pk = quote(meta.pk.column)
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {temp} t WHERE {table}.{pk} = t.{pk}"  # noqa: S608
        )
        cursor.execute(f"DROP TABLE {temp}")
