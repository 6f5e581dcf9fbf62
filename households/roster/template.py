"""The downloadable roster template: headers, one example row, drop-down validation lists."""

from __future__ import annotations

from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from households.models import Resident, Tag
from liaison.models import Village, WorkGroup

from .schema import SHEETS, TEMPLATE_ORDER

TEXT_COLUMNS = {"户编号", "户主身份证号", "身份证号", "联系电话", "手机号", "网格"}
HEADER_FILL = PatternFill("solid", fgColor="FCE4E4")


def write_template(target: str | IO[bytes], *, township) -> None:
    villages = list(
        Village.objects.filter(township=township, is_active=True).values_list("name", flat=True)
    )
    groups = list(
        WorkGroup.objects.filter(township=township, is_active=True).values_list("name", flat=True)
    )
    lists = {
        "村（社区）": villages,
        "工作组": groups,
        "重点类别": [str(label) for _v, label in Tag.choices],
        "性别": ["男", "女"],
        "与户主关系": [str(label) for _v, label in Resident.Relation.choices],
        "政治面貌": [str(label) for _v, label in Resident.Political.choices],
    }
    workbook = Workbook()
    workbook.remove(workbook.active)
    options = workbook.create_sheet("选项")
    ranges = {}
    for col, (header, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(col)
        options.cell(row=1, column=col, value=header)
        for row, value in enumerate(values, start=2):
            options.cell(row=row, column=col, value=value)
        ranges[header] = f"选项!${letter}$2:${letter}${max(len(values) + 1, 2)}"
    options.sheet_state = "hidden"
    for name in TEMPLATE_ORDER:
        _write_sheet(workbook, SHEETS[name], ranges, villages, groups)
    workbook.move_sheet("选项", offset=len(TEMPLATE_ORDER))
    workbook.active = 0
    workbook.save(target)


def _write_sheet(workbook, sheet, ranges, villages, groups) -> None:
    ws = workbook.create_sheet(sheet.name)
    ws.append(list(sheet.headers))
    example = list(sheet.example)
    for i, header in enumerate(sheet.headers):
        if header == "村（社区）" and villages:
            example[i] = villages[0]
        if header == "工作组" and groups:
            example[i] = groups[0]
        if header in {"户主身份证号", "身份证号"}:
            example[i] = "11010519491231002X"
    ws.append(example)
    ws.freeze_panes = "A2"
    for i, header in enumerate(sheet.headers, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        ws.column_dimensions[letter].width = max(12, len(header) * 2 + 6)
        if header in TEXT_COLUMNS:
            # ID numbers typed into a General column become 1.10105E+17: keep them text.
            for row in range(2, 5001):
                ws.cell(row=row, column=i).number_format = "@"
        if header in ranges:
            validation = DataValidation(
                type="list",
                formula1=f"={ranges[header]}",
                allow_blank=True,
                showErrorMessage=header != "重点类别",
                errorTitle="请从下拉列表选择",
                error="请从下拉列表中选择，或先在系统中新增该项。",
            )
            if header == "重点类别":
                validation.prompt = "可多选，用“、”分隔"
                validation.showInputMessage = True
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}5000")
