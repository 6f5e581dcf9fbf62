"""REST API: workgroups/, cadres/, pairings/, visits/. Scoped by liaison.policy; writes go
through liaison.services (visits are logged only for the caller's own paired households)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from . import services
from .models import Cadre, Pairing, SituationTag, Visit, WorkGroup
from .policy import (
    access_household_for_visit,
    cadres_visible_to,
    may_manage_pairings,
    pairing_cadres_for,
    pairing_households_for,
    pairings_visible_to,
    visits_visible_to,
    workgroups_visible_to,
)


def _drf_error(exc):
    if isinstance(exc, DjangoPermissionDenied):
        return PermissionDenied(str(exc))
    return ValidationError(getattr(exc, "message_dict", None) or exc.messages)


class WorkGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkGroup
        fields = ["id", "township", "village", "name", "leader", "is_active"]


class CadreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cadre
        fields = ["id", "township", "name", "title", "workgroup", "village", "is_active"]


class PairingSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True, label="干部姓名")

    class Meta:
        model = Pairing
        fields = ["id", "cadre", "cadre_name", "household", "start_date", "end_date"]


class PairingAssignSerializer(serializers.Serializer):
    cadre = serializers.IntegerField(label="联系干部")
    households = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=False, label="户（id 列表）"
    )


class VisitSerializer(serializers.ModelSerializer):
    tags = serializers.ListField(
        source="tag_list",
        child=serializers.ChoiceField(choices=SituationTag.choices),
        required=False,
        label="情况标签",
    )
    tag_labels = serializers.ListField(
        child=serializers.CharField(), read_only=True, label="情况标签名称"
    )
    cadre_name = serializers.CharField(source="cadre.name", read_only=True, label="走访干部姓名")
    issue_description = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        label="发现的诉求",
        help_text="填写则同时登记一件群众诉求（来源：走访）",
    )

    class Meta:
        model = Visit
        fields = [
            "id", "cadre", "cadre_name", "household", "visited_on", "kind", "met_with", "notes",
            "follow_up", "tags", "tag_labels", "issue_description", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["cadre", "created_at", "updated_at"]
        extra_kwargs = {"household": {"queryset": Visit.household.field.related_model.objects}}


class WorkGroupViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = WorkGroupSerializer
    filterset_fields = ["village", "is_active"]
    search_fields = ["name"]

    def get_queryset(self):
        return workgroups_visible_to(self.request.user).order_by("name")


class CadreViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CadreSerializer
    filterset_fields = ["workgroup", "is_active"]
    search_fields = ["name"]

    def get_queryset(self):
        return cadres_visible_to(self.request.user).order_by("name", "pk")


class PairingViewSet(viewsets.ReadOnlyModelViewSet):
    """Pairings with history; POST pairings/assign/ {cadre, households} for bulk (re)assignment."""

    serializer_class = PairingSerializer
    filterset_fields = ["cadre", "household", "end_date"]
    search_fields = ["cadre__name", "household__code", "household__head_name"]

    def get_queryset(self):
        return pairings_visible_to(self.request.user).select_related("cadre").order_by("-id")

    @action(detail=False, methods=["post"], serializer_class=PairingAssignSerializer)
    def assign(self, request):
        if not may_manage_pairings(request.user):
            raise PermissionDenied
        data = PairingAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            cadre = pairing_cadres_for(request.user).get(pk=data.validated_data["cadre"])
        except Cadre.DoesNotExist:
            raise NotFound from None
        ids = list(
            pairing_households_for(request.user)
            .filter(pk__in=data.validated_data["households"])
            .values_list("pk", flat=True)
        )
        if len(ids) != len(set(data.validated_data["households"])):
            raise NotFound
        result = services.pairing_assign(
            actor=request.user, cadre=cadre, household_ids=ids, request=request
        )
        return Response(result)


class VisitViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    serializer_class = VisitSerializer
    filterset_fields = ["cadre", "household", "kind", "visited_on"]
    search_fields = ["notes", "household__head_name", "household__code"]

    def get_queryset(self):
        return (
            visits_visible_to(self.request.user)
            .select_related("cadre")
            .order_by("-visited_on", "-id")
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        household = access_household_for_visit(request.user, data["household"].pk)
        description = (data.get("issue_description") or "").strip()
        try:
            visit = services.visit_log(
                actor=request.user,
                household=household,
                visited_on=data["visited_on"],
                kind=data.get("kind", Visit.Kind.AD_HOC),
                met_with=data.get("met_with", ""),
                notes=data.get("notes", ""),
                follow_up=data.get("follow_up", ""),
                tags=data.get("tag_list", []),
                issue={"description": description} if description else None,
                request=request,
            )
        except (DjangoPermissionDenied, DjangoValidationError) as exc:
            raise _drf_error(exc) from None
        return Response(self.get_serializer(visit).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        visit = self.get_object()
        serializer = self.get_serializer(visit, data=request.data, partial=kwargs.get("partial"))
        serializer.is_valid(raise_exception=True)
        fields = {
            k: v
            for k, v in serializer.validated_data.items()
            if k in {"visited_on", "kind", "met_with", "notes", "follow_up"}
        }
        if "tag_list" in serializer.validated_data:
            fields["tags"] = serializer.validated_data["tag_list"]
        try:
            visit = services.visit_update(
                actor=request.user, visit=visit, request=request, **fields
            )
        except (DjangoPermissionDenied, DjangoValidationError) as exc:
            raise _drf_error(exc) from None
        return Response(self.get_serializer(visit).data)
