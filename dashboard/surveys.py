"""Satisfaction surveys: the read side (the index, results per question) and the one service that
records a household's answers.

The survey satisfaction index follows DESIGN.md's satisfaction rate: (满意 + 基本满意) / answers
that rate (满意, 基本满意, 不满意), over the satisfaction questions; 不了解 does not rate."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditEntry
from dashboard.access import DashboardScope
from dashboard.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from dashboard.periods import Period

GOOD = [SurveyAnswer.Choice.SATISFIED, SurveyAnswer.Choice.BASIC]
RATING = [*GOOD, SurveyAnswer.Choice.UNSATISFIED]


def _index_counts(prefix: str = "") -> dict:
    return {
        "satisfied": Count("pk", filter=Q(choice=SurveyAnswer.Choice.SATISFIED)),
        "basic": Count("pk", filter=Q(choice=SurveyAnswer.Choice.BASIC)),
        "unsatisfied": Count("pk", filter=Q(choice=SurveyAnswer.Choice.UNSATISFIED)),
        "unknown": Count("pk", filter=Q(choice=SurveyAnswer.Choice.UNKNOWN)),
        "responses": Count("response", distinct=True),
    }


def _with_index(row: dict) -> dict:
    rated = row["satisfied"] + row["basic"] + row["unsatisfied"]
    good = row["satisfied"] + row["basic"]
    return {**row, "rated": rated, "index": round(100 * good / rated, 1) if rated else None}


def _answers(scope: DashboardScope, period: Period):
    return SurveyAnswer.objects.filter(
        scope.cadres_q("response__cadre__"),
        question__kind=SurveyQuestion.Kind.SATISFACTION,
        response__answered_on__range=(period.start, period.end),
    )


def survey_index(scope: DashboardScope, period: Period) -> dict:
    """The satisfaction index of the survey answers recorded in the period. One query."""
    return _with_index(_answers(scope, period).aggregate(**_index_counts()))


def survey_index_by(scope: DashboardScope, period: Period, field: str) -> dict:
    """{value of `field`: index figures} — one GROUP BY query (per cadre, per group)."""
    rows = _answers(scope, period).values(field).annotate(**_index_counts()).order_by()
    return {row[field]: _with_index(row) for row in rows}


def surveys_for(township_id: int | None):
    qs = Survey.objects.all()
    if township_id is not None:
        qs = qs.filter(township_id=township_id)
    return qs.annotate(
        response_count=Count("responses", distinct=True),
        question_count=Count("questions", distinct=True),
    ).order_by("-is_active", "-start_date", "-id")


def survey_results(survey: Survey, scope: DashboardScope) -> list[dict]:
    """Per question: the count of each choice and the index. Two queries."""
    questions = list(survey.questions.order_by("order", "id"))
    rows = (
        SurveyAnswer.objects.filter(scope.cadres_q("response__cadre__"), response__survey=survey)
        .values("question_id")
        .annotate(
            **_index_counts(),
            yes=Count("pk", filter=Q(choice="yes")),
            no=Count("pk", filter=Q(choice="no")),
            texts=Count("pk", filter=~Q(text="")),
        )
        .order_by()
    )
    by_question = {r["question_id"]: _with_index(r) for r in rows}
    empty = _with_index(
        dict.fromkeys(
            ("satisfied", "basic", "unsatisfied", "unknown", "responses", "yes", "no", "texts"), 0
        )
    )
    return [{"question": q, **by_question.get(q.pk, empty)} for q in questions]


class SurveyError(Exception):
    pass


def survey_create(
    *,
    township,
    title: str,
    questions: list[tuple[str, str]],
    actor,
    intro: str = "",
    start_date=None,
    end_date=None,
    request=None,
) -> Survey:
    """A questionnaire with its questions ([(text, kind)], numbered in order), audited. The
    admin site builds them too (questions inline); the demo seeder comes through here."""
    if not title.strip() or not questions:
        raise SurveyError(_("问卷需要名称和至少一道题目。"))
    if start_date and end_date and end_date < start_date:
        raise SurveyError(_("结束日期不能早于开始日期。"))
    with transaction.atomic():
        survey = Survey.objects.create(
            township=township,
            title=title.strip(),
            intro=intro,
            end_date=end_date,
            **({"start_date": start_date} if start_date else {}),
        )
        SurveyQuestion.objects.bulk_create(
            SurveyQuestion(
                survey=survey,
                order=n,
                text=text,
                kind=kind,
                required=kind != SurveyQuestion.Kind.TEXT,
            )
            for n, (text, kind) in enumerate(questions, 1)
        )
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            obj=survey,
            summary=_("创建满意度问卷：%(s)s") % {"s": survey.title},
            request=request,
        )
    return survey


def survey_response_record(
    *,
    survey: Survey,
    household,
    cadre,
    channel: str,
    respondent: str,
    answered_on,
    answers: dict,
    actor,
    request=None,
) -> SurveyResponse:
    """Record one household's answers ({question_id: (choice, text)}), audited, all or nothing.
    A household answers a survey once."""
    questions = {q.pk: q for q in survey.questions.all()}
    with transaction.atomic():
        try:
            with transaction.atomic():
                response = SurveyResponse.objects.create(
                    survey=survey,
                    household=household,
                    cadre=cadre,
                    channel=channel,
                    respondent=respondent,
                    answered_on=answered_on,
                    created_by=actor,
                )
        except IntegrityError:
            raise SurveyError(_("该户已填写过此问卷。")) from None
        SurveyAnswer.objects.bulk_create(
            SurveyAnswer(response=response, question_id=pk, choice=choice or "", text=text or "")
            for pk, (choice, text) in answers.items()
            if pk in questions and (choice or text)
        )
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            obj=response,
            township_id=household.township_id,
            summary=_("记录满意度问卷：%(s)s · %(h)s") % {"s": survey.title, "h": household.code},
            request=request,
        )
    return response
