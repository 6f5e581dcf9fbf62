"""drf-spectacular post-processing: Chinese names for the tags, token and session security
schemes described, operations sorted by tag in the order of DESIGN.md."""

from __future__ import annotations

TAGS = [
    ("auth", "认证：用户名和密码换取 API 令牌（Authorization: Token …）"),
    ("households", "住户（户编号、村（社区）、网格、五必访类别）；号码默认脱敏"),
    ("residents", "家庭成员；身份证号、电话默认脱敏，?reveal=1 由有权限者查看完整号码（留痕）"),
    ("workgroups", "工作组"),
    ("cadres", "联系干部"),
    ("pairings", "干部结对（含历史）与批量调整"),
    ("visits", "民情日记（走访记录）"),
    ("issues", "群众诉求与闭环办理：分派、办理、上报、办结、解释、答复、回访、重办、归档"),
    ("committees", "专门委员会"),
    ("dashboard", "统计分析"),
]


ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "{detail: 原因, code: 错误代码}；400 时为字段错误 {字段: [说明], non_field_errors: [说明]}"
    ),
    "additionalProperties": True,
}
ERRORS = {
    "400": "输入有误（按字段列出错误）",
    "401": "未登录或令牌无效",
    "403": "无权执行此操作",
    "404": "不存在或不在您的范围内",
    "409": "当前状态不允许此操作（原因见 detail）",
    "415": "请求体格式不支持或无法解析（请用 application/json）",
    "429": "请求过于频繁",
}


def _errors_of(path: str, method: str, operation: dict) -> list[str]:
    """The error answers an operation can give (core.api.exceptions shapes them all)."""
    codes = ["403", "404", "429"]  # 404: out of scope, or a page past the end of a list
    if any(operation.get("security") or [{}]):  # an operation that needs credentials
        codes.append("401")
    if operation.get("requestBody") or operation.get("parameters"):
        codes.append("400")
    if method in {"post", "put", "patch"}:
        codes.append("409")
    if operation.get("requestBody"):
        codes.append("415")
    return codes


def postprocess_schema(result, generator, request, public):
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code in _errors_of(path, method, operation):
                responses.setdefault(
                    code,
                    {
                        "description": ERRORS[code],
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
    known = {name for name, _ in TAGS}
    used = {tag for op in _operations(result) for tag in op.get("tags", [])}
    result["tags"] = [{"name": name, "description": text} for name, text in TAGS if name in used]
    result["tags"] += [{"name": name} for name in sorted(used - known)]
    schemes = result.get("components", {}).get("securitySchemes", {})
    if "tokenAuth" in schemes:
        schemes["tokenAuth"]["description"] = (
            "POST /api/v1/auth/token/ 获取令牌，请求头 Authorization: Token <令牌>"
        )
    if "cookieAuth" in schemes:
        schemes["cookieAuth"]["description"] = "浏览器登录后的会话（写操作需 X-CSRFToken）"
    return result


def _operations(result):
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield operation
