"""The issue ledger page (诉求台账): the issue list's filters, the number of rows they give in
the reader's scope, and the .xlsx (issues.ledger, audited with the filter)."""

from __future__ import annotations

from core.ledger_pages import Ledger, ledger_pages
from issues.access import may_export_issues
from issues.ledger import export_issues, ledger_form, ledger_queryset

issue_ledger, issue_ledger_progress = ledger_pages(
    Ledger(
        may_export=may_export_issues,
        form=ledger_form,
        queryset=ledger_queryset,
        export=export_issues,
        template="issues/ledger.html",
        filename="issue-ledger",
    )
)
