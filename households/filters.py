"""Household search and filters, shared by the list page and the API (django-filter)."""

from __future__ import annotations

import re

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from liaison.access import township_id_of
from liaison.models import Cadre, Pairing, Village, WorkGroup

from .extensions import household_filters
from .models import Household, Resident, Tag


class HouseholdFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q")
    village = django_filters.ModelChoiceFilter(
        label=_("村（社区）"), queryset=Village.objects.none()
    )
    workgroup = django_filters.ModelChoiceFilter(
        label=_("工作组"), queryset=WorkGroup.objects.none(), method="filter_workgroup"
    )
    grid = django_filters.CharFilter(label=_("网格"))
    tag = django_filters.ChoiceFilter(label=_("重点类别"), choices=Tag.choices, method="filter_tag")
    cadre = django_filters.ModelChoiceFilter(
        label=_("联系干部"), queryset=Cadre.objects.none(), method="filter_cadre"
    )
    not_visited = django_filters.BooleanFilter(
        label=_("本月未走访"),
        method="filter_not_visited",
        widget=django_filters.widgets.BooleanWidget(),
    )
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Household.Status.choices)

    class Meta:
        model = Household
        fields = ["q", "village", "workgroup", "grid", "tag", "cadre", "not_visited", "status"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = user or getattr(self.request, "user", None)
        township_id = township_id_of(user) if user is not None else None
        scope = {"township_id": township_id} if township_id is not None else {}
        self.filters["village"].queryset = Village.objects.filter(**scope)
        self.filters["workgroup"].queryset = WorkGroup.objects.filter(**scope)
        self.filters["cadre"].queryset = Cadre.objects.filter(**scope)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if re.fullmatch(r"\d{4}|\d{3}[Xx]", value):
            last4 = value.upper()
            members = Resident.objects.filter(
                Q(id_last4=last4) | Q(phone__endswith=last4), household=OuterRef("pk")
            )
            return queryset.filter(Q(phone__endswith=last4) | Q(Exists(members)))
        members = Resident.objects.filter(name__contains=value, household=OuterRef("pk"))
        return queryset.filter(
            Q(code__icontains=value)
            | Q(head_name__contains=value)
            | Q(address__contains=value)
            | Q(Exists(members))
        )

    @extend_schema_field(OpenApiTypes.INT)
    def filter_workgroup(self, queryset, name, value):
        return queryset.filter(village__workgroups=value) if value else queryset

    def filter_tag(self, queryset, name, value):
        return queryset.with_tag(value) if value else queryset

    @extend_schema_field(OpenApiTypes.INT)
    def filter_cadre(self, queryset, name, value):
        if not value:
            return queryset
        paired = Pairing.objects.current().filter(cadre=value, household=OuterRef("pk"))
        return queryset.filter(Exists(paired))

    def filter_not_visited(self, queryset, name, value):
        if not value:
            return queryset
        narrow = household_filters.get("not_visited")
        return narrow(queryset) if narrow else queryset
