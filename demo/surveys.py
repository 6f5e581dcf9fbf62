"""A demo satisfaction survey (满意度测评) for `seed_demo`: one campaign open since last month,
answered by about one household in sixteen, on visits and by phone, this month and last, so the
survey page and the dashboard's survey index show figures. Through the surveys service only
(`survey_create`, `survey_response_record`): each answer sheet is audited like a cadre's."""

from __future__ import annotations

import datetime as dt
import random

from dashboard.models import SurveyQuestion, SurveyResponse
from dashboard.surveys import survey_create, survey_response_record
from liaison.models import Pairing
from visits.contact_day import shift_month

SHARE = 1 / 16
QUESTIONS = [
    ("对联系干部的走访服务是否满意", SurveyQuestion.Kind.SATISFACTION),
    ("对反映诉求的办理结果是否满意", SurveyQuestion.Kind.SATISFACTION),
    ("对村（社区）人居环境整治是否满意", SurveyQuestion.Kind.SATISFACTION),
    ("是否知道自己的联系干部和联系方式", SurveyQuestion.Kind.YES_NO),
    ("意见建议", SurveyQuestion.Kind.TEXT),
]
# satisfied, basic, unsatisfied, unknown: about 85% good among those who rate, as the seeds
WEIGHTS = [0.58, 0.26, 0.09, 0.07]
CHOICES = ["satisfied", "basic", "unsatisfied", "unknown"]
OPINIONS = [
    "希望干部多来走走，电话也行。",
    "路灯修好了，谢谢。",
    "垃圾清运还不够及时。",
    "办事效率比以前高了。",
    "希望增加老年人活动场所。",
    "医保报销政策希望再讲解一下。",
]
RESPONDENTS = ["户主本人", "户主爱人", "老人", "儿子", "女儿"]


def seed(ctx) -> dict[str, int]:
    # generators of their own: who answers and what does not depend on the day of the month (the
    # other seeders draw per day) nor on database ids, and the answer dates draw apart
    rng, dates, today = random.Random(f"survey-{ctx.seed}"), random.Random(ctx.seed), ctx.today
    year, month = shift_month(today.year, today.month, -1)
    opened = dt.date(year, month, 1)
    admin = ctx.accounts["admin"].user
    survey = survey_create(
        township=ctx.township,
        title=f"{today.year}年群众满意度测评",
        intro="请联系干部在走访或电话回访时逐户询问，如实记录群众评价。",
        questions=QUESTIONS,
        start_date=opened,
        actor=admin,
    )
    questions = list(survey.questions.order_by("order"))
    pairings = list(
        Pairing.objects.current()
        .filter(cadre__township=ctx.township)
        .select_related("household", "cadre__user")
        .order_by("household_id")
    )
    chosen = [p for p in pairings if rng.random() < SHARE]
    rank = {cadre_id: i for i, cadre_id in enumerate(sorted({p.cadre_id for p in pairings}))}
    this_month = today.replace(day=1)
    for pairing in chosen:
        # a cadre's mood colours their households' answers a little: the assessment differs
        lean = (rank[pairing.cadre_id] % 7 - 3) * 0.02
        weights = [WEIGHTS[0] + lean, WEIGHTS[1], max(0.01, WEIGHTS[2] - lean), WEIGHTS[3]]
        answers = {}
        for question in questions:
            if question.kind == SurveyQuestion.Kind.SATISFACTION:
                answers[question.pk] = (rng.choices(CHOICES, weights)[0], "")
            elif question.kind == SurveyQuestion.Kind.YES_NO:
                answers[question.pk] = ("yes" if rng.random() < 0.8 else "no", "")
            elif rng.random() < 0.2:
                answers[question.pk] = ("", rng.choice(OPINIONS))
        survey_response_record(
            survey=survey,
            household=pairing.household,
            cadre=pairing.cadre,
            channel=(
                SurveyResponse.Channel.VISIT if rng.random() < 0.6 else SurveyResponse.Channel.PHONE
            ),
            respondent=rng.choice(RESPONDENTS),
            # half this month (up to today), half last month
            answered_on=(
                this_month + dt.timedelta(days=dates.randint(0, today.day - 1))
                if rng.random() < 0.5
                else opened + dt.timedelta(days=dates.randint(0, (this_month - opened).days - 1))
            ),
            answers=answers,
            actor=pairing.cadre.user,
        )
    return {"surveys": 1, "survey_responses": len(chosen)}
