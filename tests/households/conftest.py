import datetime as dt

import pytest

from tests.factories import TownshipFactory, VillageFactory, WorkGroupFactory, valid_id_number


@pytest.fixture
def township(db):
    township = TownshipFactory(code="qx", name="青溪镇", service_phone="010-88886666")
    east = VillageFactory(township=township, name="东村")
    west = VillageFactory(township=township, name="西村")
    WorkGroupFactory(township=township, village=east, name="东村工作组")
    WorkGroupFactory(township=township, village=west, name="西村工作组")
    return township


def _birth(year: int, n: int) -> str:
    return (dt.date(year, 1, 1) + dt.timedelta(days=n)).strftime("%Y%m%d")


def household_row(n: int, **extra) -> dict:
    return {
        "户编号": f"H{n:04d}",
        "村（社区）": "东村" if n % 2 else "西村",
        "网格": str(n % 3 + 1),
        "详细地址": f"幸福路{n}号",
        "户主姓名": f"户主{n}",
        "户主身份证号": valid_id_number(n, _birth(1970, n)),
        "联系电话": f"138{n:08d}",
        "重点类别": "生活困难" if n % 2 else "",
        **extra,
    }


def member_row(n: int, k: int = 1, **extra) -> dict:
    return {
        "户编号": f"H{n:04d}",
        "姓名": f"成员{n}-{k}",
        "身份证号": valid_id_number(k, _birth(2000, n)),
        "与户主关系": "子女",
        "政治面貌": "群众",
        **extra,
    }


@pytest.fixture
def roster_rows():
    households = [household_row(n) for n in range(1, 6)]
    members = [member_row(n) for n in range(1, 6)]
    cadres = [
        {"手机号": "13900000001", "姓名": "王干部", "工作组": "东村工作组", "职务": "组员"},
        {"手机号": "13900000002", "姓名": "李干部", "工作组": "西村工作组", "职务": "组长"},
    ]
    pairings = [
        {"手机号": "13900000001" if n % 2 else "13900000002", "户编号": f"H{n:04d}"}
        for n in range(1, 6)
    ]
    return {"households": households, "members": members, "cadres": cadres, "pairings": pairings}
