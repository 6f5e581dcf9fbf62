"""Every <input type=date> renders its value as an ISO date: the browser drops any other format,
and under zh-hans Django's default renders 2026/05/06, so an edit form came up with its date
empty (issue 15, item 8: editing a visit blanked its date; campaigns and project milestones too)."""

import datetime as dt
import importlib
import pkgutil

import pytest
from django import forms
from django.utils import translation

from visits.forms import CampaignForm
from visits.models import VisitCampaign

APPS = ("core", "liaison", "households", "issues", "committees", "visits", "projects", "dashboard",
        "open311")  # fmt: skip


def _modules():
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            yield importlib.import_module(info.name)


def _date_fields():
    """(form, field name, widget) of every date input of every form the apps declare."""
    for module in _modules():
        for form in vars(module).values():
            if not (isinstance(form, type) and issubclass(form, forms.BaseForm)):
                continue
            if form.__module__ != module.__name__:
                continue
            for name, field in form.base_fields.items():
                widget = field.widget
                if "date" in (getattr(widget, "input_type", None), widget.attrs.get("type")):
                    yield form, name, widget


def test_every_date_input_renders_iso_dates():
    found = list(_date_fields())
    assert len(found) >= 5  # the walk finds them (visit, campaign, issue filter, project, …)
    wrong = [f"{form.__name__}.{name}" for form, name, w in found if w.format != "%Y-%m-%d"]
    assert not wrong


@pytest.mark.django_db
def test_a_campaign_edit_form_shows_its_dates():
    campaign = VisitCampaign(
        name="春节走访", start_date=dt.date(2026, 1, 20), end_date=dt.date(2026, 2, 5)
    )
    with translation.override("zh-hans"):
        html = str(CampaignForm(instance=campaign)["start_date"])
    assert 'value="2026-01-20"' in html
