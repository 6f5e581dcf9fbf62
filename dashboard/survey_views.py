"""Satisfaction survey pages: the list with each survey's index, the results of one survey, and
the page where a cadre records a household's answers (on a visit or by phone). Admins build the
questionnaires in the admin site (questions inline)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from dashboard.access import dashboard_scope_of, may_manage_surveys, may_record_survey
from dashboard.forms import SurveyAnswerForm
from dashboard.models import Survey
from dashboard.surveys import SurveyError, survey_response_record, survey_results, surveys_for
from liaison.access import cadre_of, township_id_of
from visits.access import access_household_for_visit, households_for_visits


def _may_see_surveys(user) -> bool:
    return dashboard_scope_of(user) is not None or may_record_survey(user)


def _survey(user, pk) -> Survey:
    return get_object_or_404(surveys_for(township_id_of(user)), pk=pk)


@login_required
def survey_list(request):
    if not _may_see_surveys(request.user):
        raise PermissionDenied
    return render(
        request,
        "dashboard/survey_list.html",
        {
            "surveys": surveys_for(township_id_of(request.user)),
            "may_record": may_record_survey(request.user),
            "may_manage": may_manage_surveys(request.user),
        },
    )


@login_required
def survey_detail(request, pk):
    scope = dashboard_scope_of(request.user)
    if scope is None:
        raise PermissionDenied
    survey = _survey(request.user, pk)
    return render(
        request,
        "dashboard/survey_detail.html",
        {
            "survey": survey,
            "results": survey_results(survey, scope),
            "may_record": may_record_survey(request.user),
        },
    )


@login_required
def survey_answer(request, pk):
    if not may_record_survey(request.user):
        raise PermissionDenied
    survey = _survey(request.user, pk)
    if not survey.is_active:
        raise PermissionDenied
    households = households_for_visits(request.user).order_by("code")
    questions = list(survey.questions.order_by("order", "id"))
    form = SurveyAnswerForm(
        request.POST or None,
        questions=questions,
        households=households,
        initial={"household": request.GET.get("household")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = access_household_for_visit(request.user, data["household"].pk)
        try:
            survey_response_record(
                survey=survey,
                household=household,
                cadre=cadre_of(request.user),
                channel=data["channel"],
                respondent=data["respondent"],
                answered_on=data["answered_on"],
                answers=form.answers(),
                actor=request.user,
                request=request,
            )
        except SurveyError as exc:
            form.add_error("household", str(exc))
        else:
            messages.success(request, _("已记录 %(h)s 的问卷。") % {"h": household.code})
            return redirect("liaison:survey-answer", pk=survey.pk)
    return render(
        request,
        "dashboard/survey_answer.html",
        {"survey": survey, "form": form, "question_fields": form.question_fields()},
    )
