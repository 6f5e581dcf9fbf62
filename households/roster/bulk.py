"""Fast inserts for the roster import.

Django's bulk_create compiles every value of every row through the field machinery; for a
100,000-household roster that costs as much as reading the workbook. On PostgreSQL the rows go
through COPY instead (one round trip per batch, no SQL compilation); elsewhere bulk_create.
The import never needs the new primary keys, so none are read back.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import operator
from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils import timezone

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, dt.date):  # and datetime: aware datetimes carry their offset
        return value.isoformat()
    if isinstance(value, dict | list):  # JSONField values (a JSON string would need dumps)
        return json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)
    return str(value)


def insert_rows(model, attnames: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERT rows (tuples in the order of attnames) into model's table."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows], batch_size=1000
        )
        return
    buffer = io.StringIO()
    write = buffer.write
    for row in rows:
        write("\t".join([_copy_text(v) for v in row]))
        write("\n")
    if not buffer.tell():
        return
    buffer.seek(0)
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in attnames)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN", buffer
        )


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
