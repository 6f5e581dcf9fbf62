"""One exception handler for the API: bad input is a 400 with field errors, a state conflict a
409 with the reason, never a 500. The services raise Django's exceptions; this maps them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler, set_rollback

from core.errors import Conflict

CONFLICT_MESSAGE = _("与现有记录冲突（编号重复或引用的记录已变化）。")


def django_error_detail(exc: DjangoValidationError) -> dict:
    """A Django ValidationError as DRF field errors: {"field": [...], "non_field_errors": [...]}."""
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def drf_exception(exc) -> Exception:
    """A service's Django PermissionDenied or ValidationError as DRF's exception, for a viewset
    that catches it to re-raise (the handler below maps the ones that propagate)."""
    if isinstance(exc, DjangoPermissionDenied):
        return PermissionDenied(str(exc))
    return ValidationError(getattr(exc, "message_dict", None) or exc.messages)


def api_exception_handler(exc, context):
    if isinstance(exc, Conflict):
        set_rollback()
        return Response(
            {"detail": str(exc.reason), "code": "invalid_transition"},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        # DRF would pass on Django's English "No Issue matches the given query." (which also
        # names the model); every 404 says the same: not found, or not yours to see.
        exc = NotFound()
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(django_error_detail(exc))
    elif isinstance(exc, ValidationError) and isinstance(exc.detail, list):
        # always an object, so clients read errors one way: {"field": [...]}
        exc.detail = {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
    elif isinstance(exc, IntegrityError):
        set_rollback()
        return Response(
            {"detail": str(CONFLICT_MESSAGE), "code": "conflict"},
            status=status.HTTP_409_CONFLICT,
        )
    return exception_handler(exc, context)
