"""The visit ledger page (走访台账): period, village, work group and kind, the number of visits
they give in the reader's scope, and the .xlsx (visits.ledger, audited with the filter)."""

from __future__ import annotations

from core.ledger_pages import Ledger, ledger_pages
from visits.access import may_export_visits
from visits.ledger import export_visits, ledger_form, ledger_queryset

visit_ledger, visit_ledger_progress = ledger_pages(
    Ledger(
        may_export=may_export_visits,
        form=ledger_form,
        queryset=ledger_queryset,
        export=export_visits,
        template="liaison/visit_ledger.html",
        filename="visit-ledger",
    )
)
