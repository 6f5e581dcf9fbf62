"""REST API for issues and committees. Thin: the actions call the same workflow as the pages.
An invalid transition answers 409 with the reason; missing or bad fields 400; out of scope 404."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from committees.models import Committee
from households.access import households_visible_to
from issues.access import issues_visible_to, may_report
from liaison.access import township_id_of

from . import services
from .models import Issue, Level, Outcome, ReplyChannel, Satisfaction, Source, Urgency
from .selectors import choice_labels, overdue_filter
from .transitions import ACTIONS
from .workflow import issue_transition


def _blankable(choices, field):
    """A read-only choice that may still be empty (not yet routed / resolved / rated)."""
    return serializers.ChoiceField(
        choices=[("", "")] + list(choices), read_only=True, label=_label(field)
    )


def _label(field: str) -> str:
    return Issue._meta.get_field(field).verbose_name


def _id_of(field: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        source=f"{field}_id", read_only=True, allow_null=True, label=_label(field)
    )


class ChoiceLabelField(serializers.CharField):
    """A choice's label, as get_<field>_display gives it, with the labels translated once per
    response (`issues.selectors.choice_labels`; ~570 translations for a page of 50 before)."""

    def __init__(self, field: str, **kwargs):
        self.choices_of = field
        super().__init__(source=field, read_only=True, **kwargs)

    def to_representation(self, value):
        labels = getattr(self, "_labels", None)
        if labels is None:  # the field is copied for each serializer, so once per response
            labels = self._labels = choice_labels(self.choices_of)
        return labels.get(value, value)


class IssueSerializer(serializers.ModelSerializer):
    status_label = ChoiceLabelField("status", label="状态名称")
    level = _blankable(Level.choices, "level")
    outcome = _blankable(Outcome.choices, "outcome")
    reply_channel = _blankable(ReplyChannel.choices, "reply_channel")
    satisfaction = _blankable(Satisfaction.choices, "satisfaction")
    household = _id_of("household")
    visit = _id_of("visit")
    committee = _id_of("committee")
    village = _id_of("village")
    department = _id_of("department")
    handler = _id_of("handler")
    merged_into = _id_of("merged_into")
    # read-time truth (issues/readtime.py), not the scan's flag
    is_overdue = serializers.BooleanField(source="overdue_now", read_only=True, label="超期")

    class Meta:
        model = Issue
        fields = [
            "id", "township", "household", "visit", "reporter_name", "location", "description",
            "source", "urgency", "status", "status_label", "committee", "level", "village",
            "department", "handler", "reported_at", "contact_due_at", "first_contact_at",
            "due_at", "is_overdue", "outcome", "result", "explanation", "reply_channel",
            "reply_text", "replied_at", "satisfaction", "satisfaction_comment", "rated_at",
            "archived_at", "reopen_count", "escalation_count", "is_repeat", "merged_into",
        ]  # fmt: skip
        read_only_fields = fields


class IssueCreateSerializer(serializers.Serializer):
    household = serializers.IntegerField(required=False, allow_null=True, label="户")
    description = serializers.CharField(max_length=4000, label="诉求内容")
    source = serializers.ChoiceField(choices=Source.choices, default=Source.API, label="来源")
    urgency = serializers.ChoiceField(
        choices=Urgency.choices, default=Urgency.NORMAL, label="紧急程度"
    )
    reporter_name = serializers.CharField(max_length=32, required=False, default="", label="反映人")
    reporter_phone = serializers.CharField(
        max_length=20, required=False, default="", label="联系电话"
    )
    location = serializers.CharField(max_length=128, required=False, default="", label="地点")

    def validate_household(self, value):
        if value is None:
            return None
        household = households_visible_to(self.context["request"].user).filter(pk=value).first()
        if household is None:
            raise serializers.ValidationError("住户不存在或不在您的范围内。")
        return household


class TransitionSerializer(serializers.Serializer):
    """Any of the fields a transition may need (see issues.workflow)."""

    committee = serializers.IntegerField(required=False, label="专门委员会", help_text="分派")
    level = serializers.CharField(
        required=False, label="办理层级", help_text="分派：village / township / district"
    )
    village = serializers.IntegerField(required=False, label="承办村（社区）", help_text="分派")
    department = serializers.IntegerField(
        required=False, label="区级部门", help_text="分派、上报到区级时"
    )
    handler = serializers.IntegerField(required=False, label="承办人", help_text="分派")
    into = serializers.IntegerField(required=False, label="合并至诉求", help_text="合并")
    note = serializers.CharField(required=False, allow_blank=True, label="说明")
    contacted = serializers.BooleanField(required=False, label="已联系群众", help_text="记录进展")
    contact_channel = serializers.CharField(
        required=False,
        label="联系方式",
        help_text="记录联系群众：phone / visit / wechat / in_person",
    )
    contacted_at = serializers.CharField(
        required=False, allow_blank=True, label="联系时间", help_text="记录联系群众（不填为现在）"
    )
    result = serializers.CharField(
        required=False, allow_blank=True, label="办理结果", help_text="办结"
    )
    explanation = serializers.CharField(
        required=False, allow_blank=True, label="解释说明", help_text="解释说明"
    )
    channel = serializers.CharField(
        required=False, label="答复方式", help_text="答复：visit / phone / sms / letter"
    )
    reply_text = serializers.CharField(
        required=False, allow_blank=True, label="答复内容", help_text="答复"
    )
    satisfaction = serializers.CharField(
        required=False, label="满意度", help_text="回访：satisfied / basic / unsatisfied"
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, label="群众意见", help_text="回访（不满意时必填）"
    )


TRUE = {"1", "true", "on", "yes"}


class IssueFilter(django_filters.FilterSet):
    """`is_overdue` (and `overdue`) = 1/true: overdue at read time; 0/false: not overdue."""

    is_overdue = django_filters.CharFilter(method="_overdue", label="超期（读取时计算）")
    overdue = django_filters.CharFilter(method="_overdue", label="超期（同 is_overdue）")

    class Meta:
        model = Issue
        fields = ["status", "committee", "level", "village", "source"]

    def _overdue(self, qs, name, value):
        if value in (None, ""):
            return qs
        return overdue_filter(qs, str(value).lower() in TRUE)


class IssueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Issues in the caller's scope. No update or delete: issues change only through the
    actions below, and nothing is ever deleted."""

    serializer_class = IssueSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = IssueFilter
    search_fields = ["description", "location", "reporter_name", "household__code"]
    ordering_fields = ["id", "reported_at", "due_at", "status", "urgency"]

    def get_queryset(self):
        return issues_visible_to(self.request.user).order_by("-reported_at", "-id")

    def get_serializer_class(self):
        if self.action == "create":
            return IssueCreateSerializer
        if self.action in ACTIONS:
            return TransitionSerializer
        return IssueSerializer

    @extend_schema(request=IssueCreateSerializer, responses={201: IssueSerializer})
    def create(self, request, *args, **kwargs):
        if not may_report(request.user):
            raise PermissionDenied
        serializer = IssueCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("household") is None and township_id_of(request.user) is None:
            return Response({"household": ["区级用户登记诉求需指定住户。"]}, status=400)
        issue = services.issue_report(actor=request.user, **data)  # ValidationError → 400
        return Response(IssueSerializer(issue).data, status=status.HTTP_201_CREATED)

    def _transition(self, request, action_name):
        issue = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # TransitionNotAllowed → 409 {detail, code}, ValidationError → 400 field errors,
        # PermissionDenied → 403: core.api.exceptions answers them for every endpoint.
        issue = issue_transition(
            issue=issue, action=action_name, actor=request.user, **serializer.validated_data
        ).issue
        return Response(IssueSerializer(issue).data)


def _make_action(name):
    def handler(self, request, pk=None):
        return self._transition(request, name)

    handler.__name__ = name
    handler.__doc__ = f"Apply the `{name}` transition of the closed loop."
    decorated = action(detail=True, methods=["post"], url_path=name, url_name=name)(handler)
    # 400 / 403 / 404 / 409 are documented for every write by core.api.schema.
    return extend_schema(request=TransitionSerializer, responses={200: IssueSerializer})(decorated)


for _name in ("triage", "start", "progress", "escalate", "resolve", "explain", "reply", "rate",
              "reopen", "archive", "merge", "acknowledge", "contact", "assign"):  # fmt: skip
    setattr(IssueViewSet, _name, _make_action(_name))


class CommitteeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Committee
        fields = ["id", "township", "code", "name", "description", "keywords", "is_active"]


class CommitteeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CommitteeSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["code", "is_active"]
    search_fields = ["name", "code", "keywords"]

    def get_queryset(self):
        qs = Committee.objects.order_by("id")
        township_id = township_id_of(self.request.user)
        return qs.filter(township_id=township_id) if township_id is not None else qs
