"""REST API: households/ and residents/. A door like the pages and the admin: reads are scoped by
the access policy, every write goes through the services (households.services_household,
households.services_edit) that check the policy, validate, write and audit.

Numbers are masked. `?reveal=1` on a GET, from someone who may reveal them, shows full numbers
through the one audited reveal (households.services.identity_reveal), every time; writes never
answer with full numbers. Members show their birth year, not the date: with the masked ID
(first four, last four) a birth date would leave only a handful of candidates for the number.
Lists are paged (at most MAX_PAGE_SIZE rows) and every page is audited as a bulk read of
personal data. No deletes: status is the soft delete.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core.audit import audit_record
from core.models import AuditEntry
from households.access import households_visible_to, may_reveal_identity
from liaison.access import township_id_of

from . import identity
from .filters import HouseholdFilter
from .models import Household, Resident, Tag
from .services import identity_reveal
from .services_edit import (
    household_create,
    household_update,
    resident_add,
    resident_leave,
    resident_restore,
    resident_update,
)

# A page of personal data is at most this many rows, whatever `page_size` asks for.
MAX_PAGE_SIZE = 100


class PersonalDataPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


def _django_errors(error: DjangoValidationError, field: str) -> serializers.ValidationError:
    """A service's ValidationError as DRF field errors; one without a field names `field`."""
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(error.message_dict)
    return serializers.ValidationError({field: error.messages})


def _clean(cleaner, value):
    try:
        return cleaner(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages) from None


class TagLabelsField(serializers.ListField):
    """Household.tag_labels with the labels translated once per response, not once per row (the
    model's property translates every tag choice on each call; bench/web.py)."""

    def __init__(self, **kwargs):
        super().__init__(source="tag_list", child=serializers.CharField(), read_only=True, **kwargs)

    def to_representation(self, data):
        labels = getattr(self, "_labels", None)
        if labels is None:  # the field is copied for each serializer, so once per response
            labels = self._labels = {value: str(label) for value, label in Tag.choices}
        return [labels.get(tag, tag) for tag in data]


class HouseholdSerializer(serializers.ModelSerializer):
    tags = serializers.ListField(
        source="tag_list", child=serializers.CharField(), required=False, label="重点类别"
    )
    tag_labels = TagLabelsField(label="重点类别名称")

    class Meta:
        model = Household
        fields = [
            "id", "township", "code", "village", "grid", "address", "head_name", "phone",
            "tags", "tag_labels", "difficulty", "note", "status", "status_date",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["township", "created_at", "updated_at", "status_date"]
        # the household's own rules (a code unique in the township, ...) are the service's
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            # the head's name follows the head member (resident_update), like on the page
            fields["head_name"].read_only = True
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        revealed = self.context.get("revealed")
        if revealed is not None and instance.pk in revealed.household_phones:
            data["phone"] = revealed.household_phones[instance.pk]
        else:
            data["phone"] = instance.masked_phone
        return data

    def validate_phone(self, value):
        return _clean(identity.normalise_phone, value)

    def validate_village(self, village):
        township_id = township_id_of(self.context["request"].user)
        if township_id is not None and village.township_id != township_id:
            raise serializers.ValidationError("村（社区）不在您的乡镇。")
        return village

    def service_data(self) -> dict:
        data = dict(self.validated_data)
        if "tag_list" in data:
            data["tags"] = data.pop("tag_list")
        return data


class ResidentSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(
        write_only=True,
        required=False,
        label="身份证号",
        help_text="写入时填写完整的18位号码（校验GB 11643）；读取时只返回脱敏号码 id_masked",
    )
    birth_year = serializers.SerializerMethodField(
        label="出生年份", help_text="只给年份：与脱敏身份证号一起不足以还原号码"
    )

    class Meta:
        model = Resident
        fields = [
            "id", "household", "name", "gender", "birth_year", "id_number", "id_masked",
            "relation", "is_head", "phone", "political_status", "status", "status_date",
        ]  # fmt: skip
        read_only_fields = ["gender", "id_masked", "status_date"]

    @extend_schema_field(OpenApiTypes.INT)
    def get_birth_year(self, resident) -> int | None:
        return resident.birth_date.year if resident.birth_date else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        revealed = self.context.get("revealed")
        if revealed is not None and instance.pk in revealed.residents:
            data["id_number_full"], data["phone"] = revealed.residents[instance.pk]
        else:
            data["phone"] = instance.masked_phone
        return data

    def validate_household(self, household):
        if not households_visible_to(self.context["request"].user).filter(pk=household.pk).exists():
            raise serializers.ValidationError("住户不存在或不在您的范围内。")
        return household

    def validate_phone(self, value):
        return _clean(identity.normalise_phone, value)

    def validate_id_number(self, value):
        return _clean(lambda v: identity.parse_id_number(v).number, value)


class ResidentFilter(django_filters.FilterSet):
    last4 = django_filters.CharFilter(field_name="id_last4")

    class Meta:
        model = Resident
        fields = ["household", "status", "relation", "political_status", "is_head", "last4"]


class PersonalDataViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Lists and details of personal data: paged with a cap, each list page audited, full
    numbers only through the audited reveal of a GET."""

    pagination_class = PersonalDataPagination
    object_type = ""

    def _reveal(self, objects) -> object | None:
        wanted = self.request.query_params.get("reveal") in {"1", "true"}
        if not (wanted and self.request.method == "GET" and may_reveal_identity(self.request.user)):
            return None
        return identity_reveal(
            actor=self.request.user, request=self.request, purpose="API", **self.reveal_of(objects)
        )

    def reveal_of(self, objects) -> dict:
        raise NotImplementedError

    def _respond(self, objects, *, page: bool):
        context = self.get_serializer_context()
        revealed = self._reveal(objects)
        context["revealed"] = revealed
        data = self.get_serializer_class()(objects, many=True, context=context).data
        if revealed is None and page:  # a reveal is audited by itself, with every row
            self._audit_page(len(objects))
        return data

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        objects = list(page if page is not None else queryset[:MAX_PAGE_SIZE])
        data = self._respond(objects, page=True)
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self._respond([self.get_object()], page=False)[0])

    def _audit_page(self, rows: int) -> None:
        """Every list page of personal data leaves a trace: who read how many rows, which
        page of which filter, from where."""
        audit_record(
            actor=self.request.user,
            action=AuditEntry.Action.EXPORT,
            object_type=self.object_type,
            summary=_("API 列表读取 %(n)d 条（号码脱敏）") % {"n": rows},
            changes={"path": self.request.get_full_path(), "rows": rows, "full_numbers": False},
            township_id=township_id_of(self.request.user),
            request=self.request,
        )


class HouseholdViewSet(PersonalDataViewSet):
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter
    search_fields = ["code", "head_name", "address", "grid"]
    ordering_fields = ["id", "code", "head_name", "village", "updated_at"]
    object_type = "households.household"

    def get_queryset(self):
        return households_visible_to(self.request.user).select_related("village").order_by("pk")

    def reveal_of(self, objects) -> dict:
        return {"households": objects}

    def perform_create(self, serializer):
        serializer.instance = household_create(
            data=serializer.service_data(), actor=self.request.user, request=self.request
        )

    def perform_update(self, serializer):
        household_update(
            household=serializer.instance,
            data=serializer.service_data(),
            actor=self.request.user,
            request=self.request,
        )


class ResidentViewSet(PersonalDataViewSet):
    serializer_class = ResidentSerializer
    filterset_class = ResidentFilter
    search_fields = ["name", "household__code", "household__head_name"]
    ordering_fields = ["id", "name", "household"]
    object_type = "households.resident"

    def get_queryset(self):
        visible = households_visible_to(self.request.user).values("pk")
        return (
            Resident.objects.filter(household__in=visible)
            .select_related("household")
            .order_by("pk")
        )

    def reveal_of(self, objects) -> dict:
        return {"residents": objects}

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if "id_number" not in data:
            raise serializers.ValidationError({"id_number": ["必填。"]})
        household = data.pop("household")
        if data.pop("status", Resident.Status.PRESENT) != Resident.Status.PRESENT:
            raise serializers.ValidationError(
                {"status": [_("新成员的状态只能是“在户”：迁出或去世请在添加后登记。")]}
            )
        serializer.instance = resident_add(
            household=household, data=data, actor=self.request.user, request=self.request
        )

    def perform_update(self, serializer):
        resident, user = serializer.instance, self.request.user
        data = dict(serializer.validated_data)
        status = data.pop("status", resident.status)
        with transaction.atomic():
            resident_update(resident=resident, data=data, actor=user, request=self.request)
            if status == resident.status:
                return
            try:
                if status == Resident.Status.PRESENT:
                    resident_restore(resident=resident, actor=user, request=self.request)
                else:
                    resident_leave(
                        resident=resident,
                        status=status,
                        on_date=timezone.localdate(),
                        actor=user,
                        request=self.request,
                    )
            except DjangoValidationError as error:
                raise _django_errors(error, "status") from None
