"""The roster workbook of DESIGN.md: four sheets with Chinese headers, in import order."""

from __future__ import annotations

from dataclasses import dataclass

HOUSEHOLDS = "户"
MEMBERS = "成员"
CADRES = "干部"
PAIRINGS = "结对"


@dataclass(frozen=True)
class Sheet:
    name: str
    headers: tuple[str, ...]
    example: tuple[str, ...]


SHEETS = {
    CADRES: Sheet(
        CADRES, ("手机号", "姓名", "工作组", "职务"), ("13900001111", "王干部", "", "组员")
    ),
    HOUSEHOLDS: Sheet(
        HOUSEHOLDS,
        (
            "户编号",
            "村（社区）",
            "网格",
            "详细地址",
            "户主姓名",
            "户主身份证号",
            "联系电话",
            "重点类别",
            "备注",
        ),
        ("H0001", "", "1", "幸福路1号", "李梅", "", "13800001111", "生活困难、老党员老干部", ""),
    ),
    MEMBERS: Sheet(
        MEMBERS,
        ("户编号", "姓名", "性别", "身份证号", "与户主关系", "联系电话", "政治面貌"),
        ("H0001", "李梅", "女", "", "户主", "13800001111", "中共党员"),
    ),
    PAIRINGS: Sheet(PAIRINGS, ("手机号", "户编号"), ("13900001111", "H0001")),
}

# Households before members (members need the household), cadres before pairings.
IMPORT_ORDER = (HOUSEHOLDS, MEMBERS, CADRES, PAIRINGS)
TEMPLATE_ORDER = (HOUSEHOLDS, MEMBERS, CADRES, PAIRINGS)
TAG_SEPARATORS = "、,，;；/ "
