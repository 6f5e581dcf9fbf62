"""REST endpoints of pairings (结对): history, and bulk (re)assignment through the pairing service."""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from households.access import pairing_households_for, pairings_visible_to
from liaison import services
from liaison.access import may_manage_pairings, pairing_cadres_for
from liaison.models import Cadre, Pairing


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
