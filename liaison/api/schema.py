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


def postprocess_schema(result, generator, request, public):
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
