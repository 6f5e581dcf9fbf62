"""Household search and filters, shared by the list page and the API (django-filter).

The choices come from the user's scope: villages where they see households, the work groups and
cadres `liaison.access` lets them see. The page shows only the filters that offer a choice
(`offered`): a cadre, who sees only their own households, gets no village, work-group or cadre
filter; the cadre filter is a search-as-you-type field, never a list of every cadre."""

from __future__ import annotations

import re

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.widgets import QuickSelect
from liaison.access import cadre_of, cadres_visible_to, workgroups_visible_to
from liaison.models import Cadre, Pairing, Village, WorkGroup

from .extensions import household_filters
from .models import Household, Resident, Tag


class HouseholdFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q")
    village = django_filters.ModelChoiceFilter(
        label=_("村（社区）"), queryset=Village.objects.none(), widget=QuickSelect
    )
    workgroup = django_filters.ModelChoiceFilter(
        label=_("工作组"),
        queryset=WorkGroup.objects.none(),
        method="filter_workgroup",
        widget=QuickSelect,
    )
    grid = django_filters.CharFilter(label=_("网格"))
    tag = django_filters.ChoiceFilter(
        label=_("重点类别"), choices=Tag.choices, method="filter_tag", widget=QuickSelect
    )
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
        self.user = user or getattr(self.request, "user", None)
        # villages where the user sees a household: one indexed probe per village, where
        # `pk__in=<the scope's village ids>` read the whole scope on every request
        villages = Village.objects.filter(
            Exists(self.queryset.order_by().filter(village_id=OuterRef("pk")))
        )
        self.filters["village"].queryset = villages
        if self.user is None:
            self.filters["workgroup"].queryset = WorkGroup.objects.none()
            self.filters["cadre"].queryset = Cadre.objects.none()
        else:
            self.filters["workgroup"].queryset = workgroups_visible_to(self.user).filter(
                village__in=villages
            )
            self.filters["cadre"].queryset = cadres_visible_to(self.user)

    def offered(self) -> frozenset[str]:
        """The scoped filters worth showing this user: a village or work group only when there
        are several to choose from (each list is read once and rendered from what was read),
        the cadre filter only to those who see other cadres."""
        names = set()
        for name in ("village", "workgroup"):
            field = self.form.fields[name]
            rows = list(self.filters[name].queryset)
            if len(rows) > 1:
                names.add(name)
                field.widget.choices = [("", field.empty_label)] + [
                    (row.pk, field.label_from_instance(row)) for row in rows
                ]
        own = cadre_of(self.user)
        others = self.filters["cadre"].queryset.exclude(pk=own.pk if own else None)
        if others.exists():
            names.add("cadre")
        return frozenset(names)

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
