"""REST API: households/ and residents/. Scoped by the access policy, numbers masked unless the
caller may reveal them and asks with ?reveal=1 (audited). No deletes: status is the soft delete."""

from __future__ import annotations

import django_filters
from django.db import transaction
from django.utils import timezone
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from liaison.audit import audit_record
from liaison.models import AuditEntry
from liaison.policy import (
    cadre_of,
    households_visible_to,
    may_create_household,
    may_edit_household,
    may_reveal_identity,
)

from . import identity
from .filters import HouseholdFilter
from .models import Household, Resident


def _reveal(request) -> bool:
    return request.query_params.get("reveal") in {"1", "true"} and may_reveal_identity(request.user)


class HouseholdSerializer(serializers.ModelSerializer):
    tags = serializers.ListField(
        source="tag_list", child=serializers.CharField(), required=False, label="重点类别"
    )
    tag_labels = serializers.ListField(
        child=serializers.CharField(), read_only=True, label="重点类别名称"
    )

    class Meta:
        model = Household
        fields = [
            "id", "township", "code", "village", "grid", "address", "head_name", "phone",
            "tags", "tag_labels", "difficulty", "note", "status", "status_date",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["township", "created_at", "updated_at", "status_date"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("reveal"):
            data["phone"] = instance.masked_phone
        return data

    def validate_phone(self, value):
        try:
            return identity.normalise_phone(value)
        except Exception as error:  # ValidationError from identity
            raise serializers.ValidationError(getattr(error, "messages", [str(error)])) from None

    def validate_village(self, village):
        township_id = self.context["township_id"]
        if township_id is not None and village.township_id != township_id:
            raise serializers.ValidationError("村（社区）不在您的乡镇。")
        return village


class HouseholdViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter
    search_fields = ["code", "head_name", "address", "grid"]
    ordering_fields = ["id", "code", "head_name", "village", "updated_at"]

    def get_queryset(self):
        return households_visible_to(self.request.user).select_related("village").order_by("pk")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        cadre = cadre_of(self.request.user)
        context["township_id"] = cadre.township_id if cadre else None
        context["reveal"] = _reveal(self.request)
        return context

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if self.get_serializer_context()["reveal"]:
            _audit_reveal(request, "households.household", len(response.data.get("results", [])))
        return response

    def perform_create(self, serializer):
        if not may_create_household(self.request.user):
            raise PermissionDenied("只有系统管理员可以新增住户。")
        village = serializer.validated_data["village"]
        tags = serializer.validated_data.pop("tag_list", [])
        with transaction.atomic():
            household = serializer.save(township=village.township)
            household.set_tags(tags)
            household.save(update_fields=["tags"])
            audit_record(
                actor=self.request.user,
                action=AuditEntry.Action.CREATE,
                obj=household,
                summary=f"新增户 {household.code}",
                request=self.request,
            )

    def perform_update(self, serializer):
        household = serializer.instance
        if not may_edit_household(self.request.user, household):
            raise PermissionDenied("您不能修改该户。")
        tags = serializer.validated_data.pop("tag_list", None)
        old_status = household.status
        with transaction.atomic():
            household = serializer.save()
            fields = []
            if tags is not None:
                household.set_tags(tags)
                fields.append("tags")
            if household.status != old_status:
                household.status_date = timezone.localdate()
                fields.append("status_date")
            if fields:
                household.save(update_fields=fields)
            action = (
                AuditEntry.Action.SOFT_DELETE
                if household.status != Household.Status.ACTIVE and old_status != household.status
                else AuditEntry.Action.UPDATE
            )
            audit_record(
                actor=self.request.user,
                action=action,
                obj=household,
                summary=f"修改户 {household.code}",
                changes={k: str(v) for k, v in serializer.validated_data.items()},
                request=self.request,
            )


class ResidentSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(
        write_only=True,
        required=False,
        label="身份证号",
        help_text="写入时填写完整的18位号码（校验GB 11643）；读取时只返回脱敏号码 id_masked",
    )

    class Meta:
        model = Resident
        fields = [
            "id", "household", "name", "gender", "birth_date", "id_number", "id_masked",
            "relation", "is_head", "phone", "political_status", "status", "status_date",
        ]  # fmt: skip
        read_only_fields = ["gender", "birth_date", "id_masked", "status_date"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("reveal"):
            data["id_number_full"] = instance.id_number
        else:
            data["phone"] = instance.masked_phone
        return data

    def validate_household(self, household):
        if not households_visible_to(self.context["request"].user).filter(pk=household.pk).exists():
            raise serializers.ValidationError("住户不存在或不在您的范围内。")
        return household

    def validate_phone(self, value):
        try:
            return identity.normalise_phone(value)
        except Exception as error:
            raise serializers.ValidationError(getattr(error, "messages", [str(error)])) from None

    def validate_id_number(self, value):
        try:
            return identity.parse_id_number(value).number
        except Exception as error:
            raise serializers.ValidationError(getattr(error, "messages", [str(error)])) from None


class ResidentFilter(django_filters.FilterSet):
    last4 = django_filters.CharFilter(field_name="id_last4")

    class Meta:
        model = Resident
        fields = ["household", "status", "relation", "political_status", "is_head", "last4"]


class ResidentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ResidentSerializer
    filterset_class = ResidentFilter
    search_fields = ["name", "household__code", "household__head_name"]
    ordering_fields = ["id", "name", "household", "birth_date"]

    def get_queryset(self):
        visible = households_visible_to(self.request.user).values("pk")
        return Resident.objects.filter(household__in=visible).order_by("pk")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["reveal"] = _reveal(self.request)
        return context

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if self.get_serializer_context()["reveal"]:
            _audit_reveal(request, "households.resident", len(response.data.get("results", [])))
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if self.get_serializer_context()["reveal"]:
            _audit_reveal(request, "households.resident", 1, object_id=str(kwargs.get("pk")))
        return response

    def _save(self, serializer, household):
        if not may_edit_household(self.request.user, household):
            raise PermissionDenied("您不能修改该户成员。")
        number = serializer.validated_data.pop("id_number", None)
        instance = serializer.instance
        old_status = instance.status if instance else None
        with transaction.atomic():
            resident = serializer.save()
            if number:
                resident.set_id_number(number)
            if old_status is not None and resident.status != old_status:
                resident.status_date = timezone.localdate()
            resident.save()
            audit_record(
                actor=self.request.user,
                action=AuditEntry.Action.UPDATE if instance else AuditEntry.Action.CREATE,
                obj=resident,
                township_id=household.township_id,
                summary=f"成员 {resident.name}",
                request=self.request,
            )

    def perform_create(self, serializer):
        if "id_number" not in serializer.validated_data:
            raise serializers.ValidationError({"id_number": ["必填。"]})
        self._save(serializer, serializer.validated_data["household"])

    def perform_update(self, serializer):
        household = serializer.validated_data.get("household", serializer.instance.household)
        self._save(serializer, household)


def _audit_reveal(request, object_type: str, count: int, object_id: str = "") -> None:
    cadre = cadre_of(request.user)
    audit_record(
        actor=request.user,
        action=AuditEntry.Action.REVEAL,
        object_type=object_type,
        object_id=object_id,
        summary=f"API 查看完整号码 {count} 条",
        changes={"path": request.get_full_path(), "rows": count},
        township_id=cadre.township_id if cadre else None,
        request=request,
    )
