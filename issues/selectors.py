"""Read-side queries over issues: queues, similar issues, suggestions and the rates of
DESIGN.md, aggregated in the database with a constant number of queries."""

from __future__ import annotations

import functools
import re

from django.db.models import Case, Count, F, Q, QuerySet, When
from django.utils import timezone

from committees.models import Committee
from issues.access import issues_visible_to

from .models import OPEN_STATUSES, Issue, Outcome, Satisfaction, Status
from .readtime import overdue_q

LIST_RELATED = ("household", "village", "committee", "department", "handler")
# what the issue list's rows show of related rows (templates/issues/list.html)
ISSUE_LIST_RELATED = ("village", "committee")


LABELLED = ("status", "source", "level")


def choice_labels(field: str) -> dict:
    """{value: label} of an Issue choice field, each label translated once: Django's
    get_<field>_display translates every label of the field's choices on every call (it hashes
    the lazy labels), ~900 translations for one page of the issue list (bench/web.py)."""
    return {value: str(label) for value, label in Issue._meta.get_field(field).flatchoices}


def with_labels(issues: list, fields=LABELLED) -> list:
    """Set each issue's choice labels as `<field>_label` (the lists' templates read them),
    translating each field's choices once per call (`choice_labels`)."""
    for name in fields:
        labels = choice_labels(name)
        for issue in issues:
            value = getattr(issue, name)
            setattr(issue, f"{name}_label", labels.get(value, value))
    return issues


def _triage_queue(user) -> QuerySet:
    return issues_visible_to(user).filter(status=Status.REPORTED)


def triage_queue_for(user, *, limit: int = 20) -> list:
    """Reported issues waiting for the user's committees to triage them, the first `limit`."""
    qs = _triage_queue(user)
    return list(qs.select_related(*LIST_RELATED).order_by("-urgency", "reported_at")[:limit])


def triage_queue_total(user) -> int:
    """How many issues the whole queue holds (the page shows the first of them)."""
    return _triage_queue(user).count()


def overdue_filter(qs: QuerySet, overdue: bool = True, *, now=None) -> QuerySet:
    """Issues overdue (or not) at read time: the pages' and the API's `overdue` filter."""
    condition = overdue_q(now)
    return qs.filter(condition) if overdue else qs.exclude(condition)


def with_overdue(qs: QuerySet, *, now=None) -> QuerySet:
    """Annotate `late` (overdue at read time) for ordering or counting in the database; the
    model's `overdue_now` says the same for one loaded row."""
    return qs.annotate(late=Case(When(overdue_q(now), then=True), default=False))


def issues_handled_by(user, *, limit: int = 20) -> list:
    """Open issues routed to the user (their village, their department, raised by them)."""
    working = [
        Status.TRIAGED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.EXPLAINED,
        Status.REPLIED,
    ]
    qs = issues_visible_to(user).filter(status__in=working)
    return list(qs.select_related(*LIST_RELATED).order_by("due_at", "reported_at")[:limit])


def rate_count_expressions(*, now=None) -> dict:
    """The Count expressions behind the three rates, for `aggregate()` or a grouped `annotate()`.

    response = contacted within the limit / issues whose contact limit has passed or that were
    contacted; resolution = resolved / (resolved + explained + overdue), where resolved means a
    result the resident confirmed (满意 or 基本满意) and overdue means open and past the limit;
    satisfaction = (满意 + 基本满意) / rated. Callers exclude merged duplicates.
    """
    now = now or timezone.now()
    confirmed = Q(satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])
    return {
        "total": Count("pk"),
        "open": Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        "overdue": Count("pk", filter=overdue_q(now)),
        "contact_counted": Count(
            "pk", filter=Q(first_contact_at__isnull=False) | Q(contact_due_at__lt=now)
        ),
        "contacted_in_time": Count(
            "pk",
            filter=Q(first_contact_at__isnull=False)
            & (Q(contact_due_at__isnull=True) | Q(first_contact_at__lte=F("contact_due_at"))),
        ),
        "resolved": Count("pk", filter=Q(outcome=Outcome.RESOLVED) & confirmed),
        "explained": Count("pk", filter=Q(outcome=Outcome.EXPLAINED)),
        "rated": Count("pk", filter=~Q(satisfaction="")),
        "satisfied": Count("pk", filter=confirmed),
    }


def rate_aggregates(qs: QuerySet, *, now=None) -> dict:
    """Counts behind the three rates (see `rate_count_expressions`), in one query.
    Merged duplicates count nowhere."""
    return qs.exclude(status=Status.MERGED).aggregate(**rate_count_expressions(now=now))


def percent(part: int, whole: int) -> float | None:
    """part of whole in per cent, one decimal; None when there is nothing to count."""
    return round(100 * part / whole, 1) if whole else None


def rates_from(agg: dict) -> dict:
    return {
        "response_rate": percent(agg["contacted_in_time"], agg["contact_counted"]),
        "resolution_rate": percent(
            agg["resolved"], agg["resolved"] + agg["explained"] + agg["overdue"]
        ),
        "satisfaction_rate": percent(agg["satisfied"], agg["rated"]),
    }


def headline_figures(*, township_id: int | None) -> dict:
    """The leader's headline: counts and the three rates of DESIGN.md (one query)."""
    qs = Issue.objects.all()
    if township_id is not None:
        qs = qs.filter(township_id=township_id)
    agg = rate_aggregates(qs)
    return {
        "issues_total": agg["total"],
        "issues_open": agg["open"],
        "issues_overdue": agg["overdue"],
        **rates_from(agg),
    }


def committee_workload(*, township_id: int | None) -> list[dict]:
    """Per committee: open, overdue, closed and the rates (one grouped query)."""

    committees = Committee.objects.all()
    if township_id is not None:
        committees = committees.filter(township_id=township_id)
    confirmed = Q(issues__satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC])
    live = ~Q(issues__status=Status.MERGED)
    now = timezone.now()
    rows = committees.annotate(
        total=Count("issues", filter=live),
        open=Count("issues", filter=Q(issues__status__in=OPEN_STATUSES)),
        overdue=Count("issues", filter=overdue_q(now, prefix="issues__")),
        resolved=Count("issues", filter=Q(issues__outcome=Outcome.RESOLVED) & confirmed),
        explained=Count("issues", filter=Q(issues__outcome=Outcome.EXPLAINED) & live),
        rated=Count("issues", filter=~Q(issues__satisfaction="") & live),
        satisfied=Count("issues", filter=confirmed & live),
    ).order_by("id")
    return [
        {
            "committee": c,
            "total": c.total,
            "open": c.open,
            "overdue": c.overdue,
            "resolution_rate": percent(c.resolved, c.resolved + c.explained + c.overdue),
            "satisfaction_rate": percent(c.satisfied, c.rated),
        }
        for c in rows
    ]


# --- Similar issues and suggestions ------------------------------------------------------------
_WORD = re.compile(r"[\u4e00-\u9fff]|[a-z0-9]+", re.IGNORECASE)


def _grams(text: str) -> set[str]:
    chars = _WORD.findall(text.lower())
    return {a + b for a, b in zip(chars, chars[1:], strict=False)} or set(chars)


def text_similarity(a: str, b: str) -> float:
    ga, gb = _grams(a), _grams(b)
    if not ga or not gb:
        return 0.0
    return len(ga & gb) / len(ga | gb)


def similar_open_issues(
    *, user, township_id, description: str, household_id=None, village_id=None, exclude_pk=None,
    limit: int = 5, threshold: float = 0.2,
) -> list[Issue]:  # fmt: skip
    """Open issues of the same household, or of the same village with similar text, among
    those the user may open: the candidates start from the policy's scope, so the intake form
    cannot be used to search issues beyond it."""
    qs = issues_visible_to(user).filter(township_id=township_id, status__in=OPEN_STATUSES)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    scope = Q(pk__in=[])
    if household_id:
        scope |= Q(household_id=household_id)
    if village_id:
        scope |= Q(village_id=village_id)
    candidates = list(qs.filter(scope).select_related("household").order_by("-reported_at")[:200])
    scored = []
    for issue in candidates:
        score = text_similarity(description, issue.description)
        if (household_id and issue.household_id == household_id) or score >= threshold:
            scored.append((score, issue))
    scored.sort(key=lambda pair: -pair[0])
    return [issue for _score, issue in scored[:limit]]


SIMILAR_WINDOW_DAYS = 90
SIMILAR_MAX_ROWS = 1500


@functools.lru_cache(maxsize=SIMILAR_MAX_ROWS * 8)
def _grams_of(text: str) -> frozenset[str]:
    """_grams of a text, remembered: the queue compares the same recent issues on every request
    (a pure function of the text, so an edited description is simply another entry)."""
    return frozenset(_grams(text))


def similar_for_queue(issues, *, user, limit: int = 3, threshold: float = 0.2) -> dict[int, list]:
    """similar_open_issues for a whole queue page in one query: recent open issues of the same
    households and villages that the user may open, compared in memory (each description split
    once, and remembered across requests)."""
    if not issues:
        return {}
    since = timezone.now() - timezone.timedelta(days=SIMILAR_WINDOW_DAYS)
    villages = {i.village_id for i in issues if i.village_id}
    households = {i.household_id for i in issues if i.household_id}
    candidates = list(
        issues_visible_to(user)
        .filter(
            township_id__in={i.township_id for i in issues},
            status__in=OPEN_STATUSES,
            reported_at__gte=since,
        )
        .filter(Q(village_id__in=villages) | Q(household_id__in=households))
        .only("pk", "description", "household_id", "village_id", "status", "township_id")
        .order_by("-reported_at")[:SIMILAR_MAX_ROWS]
    )
    by_village: dict[int, list] = {}
    by_household: dict[int, list] = {}
    for c in candidates:
        grams = _grams_of(c.description)
        row = (c, c.id, c.household_id, c.village_id, grams, len(grams))
        by_village.setdefault(c.village_id, []).append(row)
        if c.household_id:
            by_household.setdefault(c.household_id, []).append(row)
    return {
        issue.pk: _most_similar(issue, by_village, by_household, limit, threshold)
        for issue in issues
    }


def _most_similar(issue, by_village, by_household, limit, threshold) -> list:
    """The candidates of the issue's village, then those of its household from elsewhere, each
    scored by the share of common character pairs; the best `limit` of those above the threshold
    or of the same household."""
    mine = _grams_of(issue.description)
    own, size, household_id, village_id = issue.pk, len(mine), issue.household_id, issue.village_id
    pool = by_village.get(village_id, [])
    if household_id:
        pool = pool + [r for r in by_household.get(household_id, []) if r[3] != village_id]
    # the score is at most the smaller set's share of the larger: a text much shorter or longer
    # than this one cannot reach the threshold
    low, high = threshold * size, (size / threshold if threshold > 0 else float("inf"))
    scored = []
    for candidate, pk, their_household, _village, theirs, their_size in pool:
        if pk == own:
            continue
        same_household = household_id and their_household == household_id
        if not same_household and (their_size < low or their_size > high):
            continue
        common = len(mine & theirs)
        score = common / ((size + their_size - common) or 1)
        if same_household or score >= threshold:
            scored.append((score, candidate))
    scored.sort(key=lambda pair: -pair[0])
    return [c for _score, c in scored[:limit]]


def split_keywords(text: str) -> list[str]:
    return [k.strip() for k in re.split(r"[、,，;；\s]+", text or "") if k.strip()]


def suggest_committee(description: str, committees) -> object | None:
    """The committee whose keyword rules match the description most often."""
    best, best_hits = None, 0
    for committee in committees:
        hits = sum(1 for k in split_keywords(committee.keywords) if k in description)
        if hits > best_hits:
            best, best_hits = committee, hits
    return best


def household_issues(household, user) -> list:
    """The household page's issues panel: the household's issues the user may open."""
    return list(issues_visible_to(user).filter(household=household).order_by("-pk")[:20])
