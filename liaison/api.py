"""REST endpoints of the organisation: work groups, cadres, pairings."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from liaison import services
from liaison.access import (
    cadres_visible_to,
    may_manage_pairings,
    pairing_cadres_for,
    pairing_households_for,
    pairings_visible_to,
    workgroups_visible_to,
)
from liaison.models import Cadre, Pairing, WorkGroup


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
