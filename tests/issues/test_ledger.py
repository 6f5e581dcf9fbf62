"""The issue ledger export: rows, scope, formula safety."""

import io

from openpyxl import load_workbook

from issues.ledger import HEADERS, export_issues


def test_ledger_rows_are_scoped_and_formula_safe(world, new_issue, advance):
    advance(new_issue('=HYPERLINK("http://evil")'), "archived")
    new_issue("+1 路灯")
    buffer = io.BytesIO()
    assert export_issues(user=world.users["cadre"], target=buffer) == 2
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    rows = list(sheet.values)
    assert list(rows[0]) == HEADERS
    descriptions = [r[HEADERS.index("诉求内容")] for r in rows[1:]]
    assert descriptions == ['\'=HYPERLINK("http://evil")', "'+1 路灯"]
    assert rows[1][HEADERS.index("满意度")] == "满意"
    assert export_issues(user=world.users["dept"], target=io.BytesIO()) == 0
    assert export_issues(target=io.BytesIO()) == 2
