"""REST endpoints of the organisation: work groups and cadres (pairings: `visits/pairing_api.py`).
POST cadres/{id}/deactivate/ takes a cadre off duty by the same rule as the organisation page and
the admin (`liaison.accounts.cadre_deactivate`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from liaison import accounts
from liaison.access import (
    cadres_visible_to,
    workgroups_visible_to,
)
from liaison.models import Cadre, WorkGroup


class WorkGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkGroup
        fields = ["id", "township", "village", "name", "leader", "is_active"]


class CadreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cadre
        fields = ["id", "township", "name", "title", "workgroup", "village", "is_active"]


class CadreDeactivateSerializer(serializers.Serializer):
    successor = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        label="接替干部",
        help_text="同一工作组内在岗干部的 id；不填则结对户列为未结对户，由组长重新结对",
    )


class CadreDeactivationSerializer(serializers.Serializer):
    cadre = serializers.IntegerField(label="停用的干部")
    successor = serializers.IntegerField(allow_null=True, label="接替干部")
    handed_over = serializers.IntegerField(label="交接户数")
    unpaired = serializers.IntegerField(label="列为未结对户数")
    message = serializers.CharField(label="说明")


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

    @extend_schema(request=CadreDeactivateSerializer, responses={200: CadreDeactivationSerializer})
    @action(detail=True, methods=["post"], serializer_class=CadreDeactivateSerializer)
    def deactivate(self, request, pk=None):
        """停用干部：结对户交接给接替干部（同组在岗），不指定则列为未结对户。"""
        cadre = self.get_object()
        if not accounts.may_deactivate_cadre(request.user, cadre):
            raise PermissionDenied
        data = CadreDeactivateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        successor = None
        successor_id = data.validated_data.get("successor")
        if successor_id is not None:
            successor = Cadre.objects.filter(pk=successor_id).first()
            if successor is None:  # the same answer as a cadre the rule refuses
                raise ValidationError({"successor": [accounts.successor_refused()]})
        done = accounts.cadre_deactivate(
            actor=request.user, cadre=cadre, successor=successor, request=request
        )
        return Response(
            {
                "cadre": cadre.pk,
                "successor": successor.pk if successor else None,
                "handed_over": done.handed_over,
                "unpaired": done.unpaired,
                "message": done.message,
            }
        )
