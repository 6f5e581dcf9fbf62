"""OpenAPI documentation of the resource viewsets: a Chinese summary and at least one example
per operation. Kept here, in one place, so the viewsets of each app stay thin; `document_api()`
is called by config.api_urls once the viewsets are registered. An operation without an example
fails tests/api/test_api_basics.py::test_every_operation_is_documented_with_an_example.
"""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)

from households.api import HouseholdViewSet, ResidentViewSet
from issues.api import CommitteeViewSet, IssueViewSet
from liaison.api import CadreViewSet, WorkGroupViewSet
from visits.api import VisitViewSet
from visits.pairing_api import PairingViewSet

HOUSEHOLD = {
    "id": 101, "township": 1, "code": "DX-0101", "village": 3, "grid": "第二网格",
    "address": "东辛庄村幸福路12号", "head_name": "王建国", "phone": "138****5678",
    "tags": ["veteran", "hardship"], "tag_labels": ["老党员老干部", "生活困难"],
    "difficulty": "low_income", "note": "老人独居，腿脚不便", "status": "active",
    "status_date": None, "created_at": "2026-03-01T09:00:00+08:00",
    "updated_at": "2026-11-02T15:30:00+08:00",
}  # fmt: skip
HOUSEHOLD_WRITE = {
    "code": "DX-0102", "village": 3, "grid": "第二网格", "address": "东辛庄村幸福路14号",
    "head_name": "李秀英", "phone": "13912345678", "tags": ["vulnerable"],
    "difficulty": "none", "note": "", "status": "active",
}  # fmt: skip
RESIDENT = {
    "id": 501, "household": 101, "name": "王建国", "gender": "M", "birth_year": 1951,
    "id_masked": "1101**********1234", "relation": "head", "is_head": True,
    "phone": "138****5678", "political_status": "party_member", "status": "present",
    "status_date": None,
}  # fmt: skip
RESIDENT_WRITE = {
    "household": 101, "name": "王小明", "id_number": "11010520100101001X", "relation": "grandchild",
    "is_head": False, "phone": "", "political_status": "masses", "status": "present",
}  # fmt: skip
WORKGROUP = {"id": 3, "township": 1, "village": 3, "name": "东辛庄村工作组", "leader": 12,
             "is_active": True}  # fmt: skip
CADRE = {"id": 12, "township": 1, "name": "刘志强", "title": "组长", "workgroup": 3,
         "village": None, "is_active": True}  # fmt: skip
PAIRING = {"id": 880, "cadre": 15, "cadre_name": "陈静", "household": 101,
           "start_date": "2026-01-05", "end_date": None}  # fmt: skip
VISIT = {
    "id": 2301, "cadre": 15, "cadre_name": "陈静", "household": 101, "visited_on": "2026-11-04",
    "kind": "contact_day", "met_with": "王建国", "notes": "老人血压偏高，已提醒按时服药",
    "follow_up": "下次联系日带血压计", "tags": ["health"], "tag_labels": ["看病就医"],
    "created_at": "2026-11-04T10:20:00+08:00", "updated_at": "2026-11-04T10:20:00+08:00",
}  # fmt: skip
VISIT_WRITE = {
    "household": 101, "visited_on": "2026-11-04", "kind": "contact_day", "met_with": "王建国",
    "notes": "老人血压偏高，已提醒按时服药", "follow_up": "下次联系日带血压计",
    "issue_description": "",
}  # fmt: skip
ISSUE = {
    "id": 77, "township": 1, "household": 101, "visit": None, "reporter_name": "",
    "location": "东辛庄村口", "description": "村口路灯坏了，晚上看不见路", "source": "visit",
    "urgency": "normal", "status": "in_progress", "status_label": "办理中", "committee": 2,
    "level": "village", "village": 3, "department": None, "handler": None,
    "reported_at": "2026-11-04T10:25:00+08:00", "contact_due_at": "2026-11-05T10:25:00+08:00",
    "first_contact_at": "2026-11-04T14:00:00+08:00", "due_at": "2026-11-07T10:25:00+08:00",
    "is_overdue": False, "outcome": "", "result": "", "explanation": "", "reply_channel": "",
    "reply_text": "", "replied_at": None, "satisfaction": "", "satisfaction_comment": "",
    "rated_at": None, "archived_at": None, "reopen_count": 0, "escalation_count": 0,
    "is_repeat": False, "merged_into": None,
}  # fmt: skip
COMMITTEE = {"id": 2, "township": 1, "code": "social_governance", "name": "社会治理",
             "description": "平安建设、矛盾调解、环境整治", "keywords": "路灯、积水、噪音",
             "is_active": True}  # fmt: skip

# Each issue action: (summary, request example, the status it leads to)
ISSUE_ACTIONS = {
    "triage": ("分派：交专门委员会，定办理层级", {"committee": 2, "level": "village"}, "triaged"),
    "start": ("开始办理", {"note": "已电话联系群众"}, "in_progress"),
    "progress": ("记录办理进展", {"note": "已约电工周五上门", "contacted": True}, "in_progress"),
    "escalate": ("上报上级（村→乡镇→区级部门“吹哨”）", {"note": "需区供电公司协调", "department": 4},
                 "triaged"),
    "resolve": ("办结（有结果）", {"result": "已更换路灯灯具"}, "resolved"),
    "explain": ("解释说明（无法解决时）", {"explanation": "属于规划道路，明年统一改造，已说明"},
                "explained"),
    "reply": ("答复群众（有反馈）", {"channel": "phone", "reply_text": "已电话告知修复情况"},
              "replied"),
    "rate": ("满意度回访（须由承办人以外的人员进行）", {"satisfaction": "satisfied", "comment": ""},
             "rated"),
    "reopen": ("不满意时重新办理", {"note": "群众反映仍不亮"}, "in_progress"),
    "archive": ("归档（“六有”齐全）", {"note": ""}, "archived"),
    "merge": ("合并为重复诉求", {"into": 70, "note": "与 #70 为同一件事"}, "merged"),
    "acknowledge": ("区级部门报到", {"note": "已收到，明日现场查看"}, "triaged"),
    "contact": ("记录首次联系群众（谁、何种方式、何时；不改变状态）",
                {"contact_channel": "phone", "contacted_at": "2026-11-30T09:15:00+08:00",
                 "note": "电话联系户主，约定周五上门"}, "in_progress"),
    "assign": ("改派：指定区级部门或承办人（不改变状态）", {"department": 4, "note": "交区水务局"},
               "in_progress"),
}  # fmt: skip
CONFLICT = OpenApiExample(
    "状态不允许",
    value={"detail": "当前状态不能执行此操作。", "code": "invalid_transition"},
    response_only=True,
    status_codes=["409"],
)
FIELD_ERRORS = OpenApiExample(
    "字段错误", value={"result": ["此项为必填项。"]}, response_only=True, status_codes=["400"]
)


def _read(name, value, summary):
    return extend_schema(
        summary=summary, examples=[OpenApiExample(name, value=value, response_only=True)]
    )


def _write(name, request, response, summary, *, status="200"):
    return extend_schema(
        summary=summary,
        examples=[
            OpenApiExample(name, value=request, request_only=True),
            OpenApiExample(name, value=response, response_only=True, status_codes=[status]),
        ],
    )


def _resource(label, example, write=None, patch=None):
    views = {
        "list": _read(label, example, f"{label}列表（可筛选、搜索、排序、分页）"),
        "retrieve": _read(label, example, f"{label}详情"),
    }
    if write is not None:
        views["create"] = _write(label, write, example, f"新增{label}", status="201")
        views["update"] = _write(label, write, example, f"修改{label}")
        views["partial_update"] = _write(label, patch, example, f"部分修改{label}")
    return views


REVEAL = OpenApiParameter(
    "reveal", bool, description="1 = 显示完整身份证号和电话（仅限有权限者，留痕）"
)


def document_api() -> None:
    """Attach summaries and examples to the registered viewsets (idempotent)."""

    households = _resource("住户", HOUSEHOLD, HOUSEHOLD_WRITE, {"note": "门前有台阶，注意安全"})
    for view in ("list", "retrieve"):
        households[view] = extend_schema(
            summary=f"住户{'列表（可筛选、搜索、排序、分页）' if view == 'list' else '详情'}",
            parameters=[REVEAL],
            examples=[OpenApiExample("住户", value=HOUSEHOLD, response_only=True)],
        )
    extend_schema_view(**households)(HouseholdViewSet)
    residents = _resource("家庭成员", RESIDENT, RESIDENT_WRITE, {"phone": "13912345678"})
    for view in ("list", "retrieve"):
        residents[view] = extend_schema(
            summary=f"家庭成员{'列表' if view == 'list' else '详情'}（号码默认脱敏）",
            parameters=[REVEAL],
            examples=[OpenApiExample("家庭成员", value=RESIDENT, response_only=True)],
        )
    extend_schema_view(**residents)(ResidentViewSet)
    extend_schema_view(**_resource("工作组", WORKGROUP))(WorkGroupViewSet)
    extend_schema_view(
        **_resource("联系干部", CADRE),
        deactivate=_write(
            "停用干部",
            {"successor": 16},
            {"cadre": 15, "successor": 16, "handed_over": 9, "unpaired": 0,
             "message": "已停用 陈静：9 户结对户已交接给 李明。"},
            "停用干部：结对户交接给同组在岗的接替干部，不指定则列为未结对户",
        ),
    )(CadreViewSet)  # fmt: skip
    extend_schema_view(
        **_resource("结对", PAIRING),
        assign=_write(
            "批量结对",
            {"cadre": 15, "households": [101, 102, 103]},
            {"assigned": 2, "reassigned": 1, "unchanged": 0},
            "批量（重新）结对：把若干户交给一名干部",
        ),
    )(PairingViewSet)
    extend_schema_view(
        **_resource("走访记录", VISIT, VISIT_WRITE, {"follow_up": "下月联系日再访"})
    )(VisitViewSet)
    extend_schema_view(**_resource("专门委员会", COMMITTEE))(CommitteeViewSet)

    issue_views = _resource("诉求", ISSUE)
    issue_views["create"] = _write(
        "登记诉求",
        {"household": 101, "description": "村口路灯坏了，晚上看不见路", "source": "hotline",
         "urgency": "normal", "reporter_name": "王建国", "location": "东辛庄村口"},
        {**ISSUE, "status": "reported", "status_label": "待分派", "committee": None, "level": ""},
        "登记诉求（有记录）",
        status="201",
    )  # fmt: skip
    for action, (summary, request, target) in ISSUE_ACTIONS.items():
        if not hasattr(IssueViewSet, action):
            continue
        issue_views[action] = extend_schema(
            summary=summary,
            examples=[
                OpenApiExample(summary, value=request, request_only=True),
                OpenApiExample(summary, value={**ISSUE, "status": target}, response_only=True,
                               status_codes=["200"]),
                CONFLICT,
                FIELD_ERRORS,
            ],
        )  # fmt: skip
    extend_schema_view(**issue_views)(IssueViewSet)
