"""The audit trail is append-only in the database too (等保2.0 安全审计: records protected from
deletion and modification): on PostgreSQL a trigger refuses UPDATE and DELETE of audit rows, even
from raw SQL or QuerySet.update()/delete(). TRUNCATE (test-database flush) is not a row event and
still works. SQLite (the demo) relies on AuditEntry.save()/delete()."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION lianxin_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'liaison_auditentry is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS lianxin_audit_append_only ON liaison_auditentry;
CREATE TRIGGER lianxin_audit_append_only
    BEFORE UPDATE OR DELETE ON liaison_auditentry
    FOR EACH ROW EXECUTE FUNCTION lianxin_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS lianxin_audit_append_only ON liaison_auditentry;
DROP FUNCTION IF EXISTS lianxin_audit_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("liaison", "0007_surveys")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
