"""An audit row stores raw input too (an export's query string): a NUL in it is dropped, never a
server error. PostgreSQL refuses NUL in text and JSON (`unsupported Unicode escape sequence`);
the bad-input walk found it on the household export (issue 15's export door)."""

import pytest

from core.audit import audit_record
from core.models import AuditEntry


@pytest.mark.django_db
def test_a_nul_in_an_audit_rows_text_is_dropped():
    audit_record(
        actor=None,
        action=AuditEntry.Action.EXPORT,
        object_type="households.household",
        summary="导出\x00住户台账",
        changes={"filters": {"q": "a\x00b", "k\x00": ["x\x00y"]}, "rows": 2},
    )
    entry = AuditEntry.objects.get()
    assert entry.summary == "导出住户台账"
    assert entry.changes == {"filters": {"q": "ab", "k": ["xy"]}, "rows": 2}
