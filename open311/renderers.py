"""GeoReport v2's two formats and its error shape.

JSON is DRF's. XML follows the spec's examples: a root element per resource (`services`,
`service_requests`, `discovery`, `errors`) holding one element per item (`service`, `request`,
`error`), a null as an empty element. Every error, whatever raised it, is the spec's array of
{code, description} with the HTTP status as the code."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from rest_framework import renderers

from core.api.exceptions import api_exception_handler

# The element of one item of a list, by the list's element.
ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


class Open311JSONRenderer(renderers.JSONRenderer):
    format = "json"


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        for child in value:
            _fill(ET.SubElement(element, ITEM.get(element.tag, "item")), child)
    else:
        element.text = _text(value)


class Open311XMLRenderer(renderers.BaseRenderer):
    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response = context.get("response")
        if response is not None and response.status_code >= 400:
            root_tag = "errors"
        else:
            root_tag = getattr(context.get("view"), "xml_root", "response")
        root = ET.Element(root_tag)
        _fill(root, data)
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _messages(detail, prefix: str = "") -> list[str]:
    if isinstance(detail, dict):
        if set(detail) == {"detail"}:
            return _messages(detail["detail"], prefix)
        out = []
        for field, inner in detail.items():
            label = "" if field in ("detail", "non_field_errors") else f"{field}: "
            out += _messages(inner, prefix + label)
        return out
    if isinstance(detail, list | tuple):
        return [m for item in detail for m in _messages(item, prefix)]
    return [f"{prefix}{detail}"]


def open311_exception_handler(exc, context):
    """The project's mapping (field errors 400, 404 for what is not yours), in the spec's
    error shape."""
    response = api_exception_handler(exc, context)
    if response is None:
        return None
    response.data = [
        {"code": response.status_code, "description": message}
        for message in _messages(response.data)
    ]
    return response
