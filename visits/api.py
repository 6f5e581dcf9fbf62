"""REST API: workgroups/, cadres/, pairings/, visits/. Scoped by liaison.access; writes go
through visits.services (visits are logged only for the caller's own paired households).

A visit sent with `client_uuid` (the PWA's offline queue) goes through visits.sync: the first send
answers 201, every later send of the same key 200 with the same visit and `sync` block."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from core.api.exceptions import drf_exception
from visits import services
from visits.access import access_household_for_visit, visits_visible_to
from visits.models import OfflineReceipt, SituationTag, Visit
from visits.sync import visit_sync


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

    issue_urgency = serializers.ChoiceField(
        choices=["normal", "urgent"], write_only=True, required=False, label="紧急程度"
    )
    client_uuid = serializers.UUIDField(
        write_only=True,
        required=False,
        label="离线记录编号",
        help_text="手机离线记录时生成的 UUID：同一编号重复提交只保存一次，返回同一条记录（200）",
    )
    issue_client_uuid = serializers.UUIDField(write_only=True, required=False, label="离线诉求编号")
    captured_at = serializers.DateTimeField(write_only=True, required=False, label="手机上记录时间")

    class Meta:
        model = Visit
        fields = [
            "id", "cadre", "cadre_name", "household", "visited_on", "kind", "met_with", "notes",
            "follow_up", "tags", "tag_labels", "issue_description", "issue_urgency",
            "client_uuid", "issue_client_uuid", "captured_at", "created_at", "updated_at",
            "recorded_at",
        ]  # fmt: skip
        read_only_fields = ["cadre", "created_at", "updated_at", "recorded_at"]
        extra_kwargs = {"household": {"queryset": Visit.household.field.related_model.objects}}


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
        if data.get("client_uuid"):
            return self._sync(request, data)
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
            raise drf_exception(exc) from None
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
            raise drf_exception(exc) from None
        return Response(self.get_serializer(visit).data)

    def _sync(self, request, data):
        """A record of the offline queue: stored once per `client_uuid` (201), answered with the
        stored visit on every later send (200). Photos come as multipart `photos` files."""
        description = (data.get("issue_description") or "").strip()
        issue = (
            {"description": description, "urgency": data.get("issue_urgency") or "normal"}
            if description
            else None
        )
        try:
            receipt, created = visit_sync(
                actor=request.user,
                key=data["client_uuid"],
                issue_key=data.get("issue_client_uuid"),
                captured_at=data.get("captured_at"),
                household_pk=data["household"].pk,
                visited_on=data["visited_on"],
                kind=data.get("kind", Visit.Kind.AD_HOC),
                met_with=data.get("met_with", ""),
                notes=data.get("notes", ""),
                follow_up=data.get("follow_up", ""),
                tags=data.get("tag_list", []),
                photos=request.FILES.getlist("photos"),
                issue=issue,
                request=request,
            )
        except (DjangoPermissionDenied, DjangoValidationError) as exc:
            raise drf_exception(exc) from None
        body = dict(self.get_serializer(receipt.visit).data)
        body["sync"] = _sync_block(receipt, created)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _sync_block(receipt: OfflineReceipt, created: bool) -> dict:
    return {
        "client_uuid": str(receipt.key),
        "issue_client_uuid": str(receipt.issue_key) if receipt.issue_key else None,
        "issue": receipt.issue_id,
        "photos": receipt.visit.photos.count(),
        "captured_at": receipt.captured_at.isoformat() if receipt.captured_at else None,
        "received_at": receipt.received_at.isoformat(),
        "created": created,
    }
