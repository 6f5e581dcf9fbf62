"""REST endpoints of the organisation: work groups and cadres (pairings: `visits/pairing_api.py`)."""

from __future__ import annotations

from rest_framework import serializers, viewsets

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
