"""Build roster workbooks in memory for tests (and the benchmark's small cousin)."""

import io

from openpyxl import Workbook

from households.roster.schema import SHEETS


def make_workbook(*, households=(), members=(), cadres=(), pairings=(), sheets=None) -> bytes:
    """Rows are dicts keyed by Chinese header; missing keys are blank cells."""
    data = {"户": households, "成员": members, "干部": cadres, "结对": pairings}
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name in sheets or ("户", "成员", "干部", "结对"):
        sheet = workbook.create_sheet(name)
        headers = SHEETS[name].headers
        sheet.append(list(headers))
        for row in data[name]:
            sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
