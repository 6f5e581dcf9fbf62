"""Satisfaction surveys: an admin builds one, a cadre records a household's answers."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from dashboard.models import Survey, SurveyQuestion, SurveyResponse


def _survey(town):
    sv = Survey.objects.create(township=town.township, title="年终满意度测评")
    q1 = SurveyQuestion.objects.create(survey=sv, order=1, text="对联系干部是否满意")
    q2 = SurveyQuestion.objects.create(
        survey=sv, order=2, text="是否知道联系干部电话", kind="yes_no"
    )
    q3 = SurveyQuestion.objects.create(
        survey=sv, order=3, text="意见建议", kind="text", required=False
    )
    return sv, q1, q2, q3


def _post(client, sv, household, **answers):
    data = {
        "household": household.pk,
        "channel": "phone",
        "respondent": "王大爷",
        "answered_on": timezone.localdate().isoformat(),
        **answers,
    }
    return client.post(reverse("liaison:survey-answer", args=[sv.pk]), data)


def test_cadre_records_answers_for_their_household(town, client):
    sv, q1, q2, q3 = _survey(town)
    client.force_login(town.users["cadre1"])
    page = client.get(reverse("liaison:survey-answer", args=[sv.pk]))
    assert page.status_code == 200
    response = _post(
        client,
        sv,
        town.households["h1"],
        **{f"q{q1.pk}": "basic", f"q{q2.pk}": "yes", f"q{q3.pk}": "路灯要修"},
    )
    assert response.status_code == 302
    saved = SurveyResponse.objects.get(survey=sv)
    assert saved.cadre == town.cadres["cadre1"] and saved.channel == "phone"
    assert {a.question_id: (a.choice, a.text) for a in saved.answers.all()} == {
        q1.pk: ("basic", ""),
        q2.pk: ("yes", ""),
        q3.pk: ("", "路灯要修"),
    }
    assert AuditEntry.objects.filter(object_type="dashboard.surveyresponse").exists()
    # a household answers once
    again = _post(
        client, sv, town.households["h1"], **{f"q{q1.pk}": "satisfied", f"q{q2.pk}": "no"}
    )
    assert again.status_code == 200
    assert "该户已填写过此问卷" in again.content.decode()
    assert SurveyResponse.objects.count() == 1


def test_cadre_cannot_answer_for_someone_elses_household(town, client):
    sv, q1, q2, _q3 = _survey(town)
    client.force_login(town.users["cadre1"])
    response = _post(
        client, sv, town.households["h3"], **{f"q{q1.pk}": "satisfied", f"q{q2.pk}": "yes"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["household"]
    assert not SurveyResponse.objects.exists()


def test_required_answers_and_future_dates_are_field_errors(town, client):
    sv, q1, _q2, _q3 = _survey(town)
    client.force_login(town.users["cadre1"])
    tomorrow = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = _post(client, sv, town.households["h1"], answered_on=tomorrow)
    form = response.context["form"]
    assert f"q{q1.pk}" in form.errors and "answered_on" in form.errors
    assert not SurveyResponse.objects.exists()


def test_leader_reads_results_but_does_not_record(town, survey, client):
    client.force_login(town.users["leader"])
    assert client.get(reverse("liaison:survey-answer", args=[survey.pk])).status_code == 403
    page = client.get(reverse("liaison:survey-detail", args=[survey.pk]))
    results = {r["question"].text: r for r in page.context["results"]}
    assert results["对联系干部是否满意"]["index"] == 100.0  # 满意 2, 基本满意 1
    assert results["对诉求办理是否满意"]["index"] == 50.0  # 满意 1 of 满意 1 + 不满意 1; 不了解 not
    assert client.get(reverse("liaison:surveys")).status_code == 200


def test_admin_builds_a_questionnaire_in_the_admin(town, client):
    client.force_login(town.users["admin"])
    town.users["admin"].is_staff = True
    town.users["admin"].save(update_fields=["is_staff"])
    page = client.get(reverse("admin:dashboard_survey_add"))
    assert page.status_code == 200
    assert "问卷题目" in page.content.decode()
