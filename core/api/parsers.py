"""The API's JSON parser: bad JSON is a 400, whatever makes it bad.

DRF's parser turns a ValueError into a 400 but not the RecursionError of deeply nested input
(`[[[[…]]]]`), a 500. And it accepts lone UTF-16 surrogates (`"\\ud800"`), which no database
and no UTF-8 response can encode: they fail later, in a query or while rendering the error
that echoes them. Both are refused here, before any view sees the data, with a Chinese message.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No request of this API nests deeper than a few levels; 32 leaves room and stays far below
# Python's recursion limit (the serializers and renderers recurse too).
MAX_DEPTH = 32


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON 嵌套层数过多。")) from None
        check_json(data)
        return data


def check_json(data) -> None:
    """ParseError if `data` nests deeper than MAX_DEPTH or holds a lone surrogate (in a key or
    a value). Iterative: the check itself must not recurse on hostile input."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise ParseError(_("JSON 嵌套层数过多（最多 %(n)d 层）。") % {"n": MAX_DEPTH})
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and _has_surrogate(key):
                    raise ParseError(_("请求中含有无效的字符（孤立的代理项）。"))
                stack.append((item, depth + 1))
        elif isinstance(value, str) and _has_surrogate(value):
            raise ParseError(_("请求中含有无效的字符（孤立的代理项）。"))


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
