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
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN WITH ({options})", buffer
        )


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
