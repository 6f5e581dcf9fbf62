"""Issue #12, finding 2: the admin site obeys the one access policy.

Township B is the demo township with a row in every model the admin shows; township A has an
admin who is not a superuser. Walking `admin.site._registry`, A's admin lists no row of B, cannot
open a B object, is offered no B row as a choice, and may not write what every township shares.
"""

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.forms import ModelChoiceField
from django.urls import reverse
from django.utils import timezone

from core.models import AccountSecurity, AuditEntry, Delivery, Notification
from demo.seed import seed_demo
from households.models import Household, RosterImport, RosterImportChange
from issues.models import Attachment, Issue, IssueAlert
from liaison.admin_scope import (
    SCOPES,
    AppendOnlyAdmin,
    PolicyScopedAdmin,
    ScopedChoicesMixin,
    scope_of,
)
from liaison.models import Cadre, Township
from liaison.roles import Role
from tests.factories import TownshipFactory, VillageFactory, WorkGroupFactory
from visits.models import ContactDay, ReminderDelivery, Visit, VisitNote, VisitPhoto

pytestmark = pytest.mark.django_db

# Models whose rows every township shares (no township path): visible read-only with the
# model's view permission, written only by a superuser. Named here so that adding one is a
# decision, not an accident.
SHARED = {
    "auth.group",
    "committees.department",
    "issues.calendarday",
    "issues.issuesettings",
    "core.securitypolicy",
    "django_celery_beat.periodictask",
    "django_celery_beat.clockedschedule",
    "django_celery_beat.crontabschedule",
    "django_celery_beat.solarschedule",
    "django_celery_beat.intervalschedule",
}


def _fill_township(township):
    """One row in each model seed_demo leaves empty, all of them the township's."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework.authtoken.models import Token

    from core.models import ApiTokenActivity, OutboxMessage, PeriodicRun, SecurityPolicy
    from dashboard.models import (
        IssueMonthChoiceStat,
        IssueMonthStat,
        Survey,
        SurveyAnswer,
        SurveyQuestion,
        SurveyResponse,
    )
    from households.models import ContactCardRun, HelpRecord
    from open311.models import ApiClient

    user = get_user_model().objects.filter(cadre__township=township).first()
    cadre = user.cadre
    household = Household.objects.filter(township=township).first()
    visit = Visit.objects.filter(household__township=township).first()
    issue = Issue.objects.filter(township=township).first()
    today = timezone.localdate()

    AuditEntry.objects.create(action=AuditEntry.Action.UPDATE, township=township, summary="b")
    AccountSecurity.objects.get_or_create(user=user)
    Notification.objects.create(recipient=user, title="b")
    Delivery.objects.create(
        key="b", source="b", batch="b", channel="email", recipient=user, address="b@example.org"
    )
    ReminderDelivery.objects.create(cadre=cadre, contact_day=today, kind="day_before")
    ContactDay.objects.create(township=township, year=2031, month=1, date=dt.date(2031, 1, 8))
    VisitNote.objects.create(visit=visit, author=user, text="b")
    photo = VisitPhoto(visit=visit, content_type="image/png", size=1)
    photo.image.save("b.png", ContentFile(b"x"), save=False)
    photo.save()
    survey = Survey.objects.create(township=township, title="b")
    question = SurveyQuestion.objects.create(survey=survey, text="b")
    response = SurveyResponse.objects.create(
        survey=survey, household=household, cadre=cadre, channel="visit", created_by=user
    )
    SurveyAnswer.objects.create(response=response, question=question)
    IssueMonthStat.objects.create(township=township, month=today.replace(day=1))
    IssueMonthChoiceStat.objects.create(
        township=township, month=today.replace(day=1), dimension="status"
    )
    HelpRecord.objects.create(household=household, content="b", helped_on=today, cadre=cadre)
    roster = RosterImport.objects.create(township=township, file_name="b.xlsx", file_sha256="0")
    RosterImportChange.objects.create(roster_import=roster, sheet="户", action="create", key="b")
    IssueAlert.objects.create(recipient=user, issue=issue, kind="overdue", message="b", key="b")
    attachment = Attachment(issue=issue, original_name="b.txt", content_type="text/plain", size=1)
    attachment.file.save("b.txt", ContentFile(b"x"), save=False)
    attachment.save()
    token = Token.objects.create(user=user)
    ApiTokenActivity.objects.update_or_create(
        token=token, defaults={"last_used_at": timezone.now()}
    )
    ContactCardRun.objects.create(household=household, number=1, printed_by=user)
    ApiClient.objects.create(township=township, name="b")
    TOTPDevice.objects.create(user=user, name="b")
    OutboxMessage.objects.create(task="b", key="b")
    PeriodicRun.objects.create(task="b", period_key="b")
    SecurityPolicy.objects.get_or_create(pk=1)
    AccessAttempt.objects.create(username="b", ip_address="10.0.0.2", failures_since_start=1)
    AccessLog.objects.create(username="b", ip_address="10.0.0.2")
    AccessFailureLog.objects.create(username="b", ip_address="10.0.0.2")


@pytest.fixture
def towns(make_user, settings, tmp_path):
    """(township A, A's admin, {model: pks of township B}) — B holds a row of every model."""
    settings.MEDIA_ROOT = tmp_path
    seed_demo(households=12, seed=3)
    township_b = Township.objects.get()
    _fill_township(township_b)
    rows_b = {
        model: set(model._default_manager.values_list("pk", flat=True))
        for model in admin.site._registry
    }
    township_a = TownshipFactory(name="甲乡", code="jia")
    workgroup = WorkGroupFactory(village=VillageFactory(township=township_a))
    admin_a = make_user(Role.ADMIN, workgroup=workgroup)
    admin_a.is_staff = True
    admin_a.save(update_fields=["is_staff"])
    assert not admin_a.is_superuser and admin_a.cadre.township == township_a
    return township_a, admin_a, rows_b


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_registered_admin_is_policy_scoped():
    # given the admin site as every app registered it
    # then every ModelAdmin (Django's, DRF's, axes', beat's and ours) is a PolicyScopedAdmin,
    # every inline takes its choices from the policy, and every model has a declared scope
    loose = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, PolicyScopedAdmin)
    ]
    assert loose == []
    loose_inlines = [
        f"{model._meta.label}: {inline.__name__}"
        for model, model_admin in admin.site._registry.items()
        for inline in model_admin.inlines
        if not issubclass(inline, ScopedChoicesMixin)
    ]
    assert loose_inlines == []
    undeclared = [
        m._meta.label_lower for m in admin.site._registry if m._meta.label_lower not in SCOPES
    ]
    assert undeclared == []
    shared = {m._meta.label_lower for m in admin.site._registry if scope_of(m).shared}
    assert (
        shared
        - {"core.outboxmessage", "core.periodicrun", "auth.permission"}
        - {label for label in shared if label.startswith("axes.")}
        == SHARED
    )


def test_append_only_records_are_never_written_in_the_admin(rf, make_user):
    # given a superuser, who may do anything else in the admin
    operator = make_user(Role.ADMIN, superuser=True)
    request = rf.get("/")
    request.user = operator
    # then the issue timeline and the audit trail are append-only even for them
    for label in ("issues.issueevent", "core.auditentry"):
        model_admin = next(
            a for m, a in admin.site._registry.items() if m._meta.label_lower == label
        )
        assert isinstance(model_admin, AppendOnlyAdmin)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_a_township_admin_lists_and_opens_nothing_of_another_township(towns, client):
    # given township B with a row in every model, and the admin of township A
    township_a, admin_a, rows_b = towns
    client.force_login(admin_a)
    seen_pages = 0
    for model in admin.site._registry:
        label = model._meta.label_lower
        # when A's admin opens the model's changelist
        response = client.get(_url(model, "changelist"))
        assert response.status_code in (200, 403), label
        if response.status_code == 200:
            seen_pages += 1
            listed = set(response.context["cl"].queryset.values_list("pk", flat=True))
            if label not in SHARED:
                # then no row of township B is listed
                assert not listed & rows_b[model], label
        if label in SHARED:
            continue
        # and no change page of a B object opens
        assert rows_b[model], f"the fixture has no row of {label} in township B"
        pk = sorted(rows_b[model], key=str)[0]
        page = client.get(_url(model, "change", pk))
        assert page.status_code in (403, 404), (label, page.status_code)
        posted = client.post(_url(model, "change", pk), {})
        assert posted.status_code in (403, 404), (label, posted.status_code)
    assert seen_pages >= 20  # the walk really saw the admin (no 2FA or login redirect)


def test_a_township_admin_sees_its_own_township(towns, client):
    # given the admin of township A
    township_a, admin_a, _ = towns
    client.force_login(admin_a)
    # when it lists townships and villages
    townships = client.get(_url(Township, "changelist")).context["cl"].queryset
    # then it sees its own township only, and may open it
    assert list(townships) == [township_a]
    assert client.get(_url(Township, "change", township_a.pk)).status_code == 200
    assert client.get(_url(Township, "add")).status_code == 403


def test_shared_rows_are_written_by_the_operator_only(towns, client):
    # given the admin of township A, which holds change permission on departments
    _, admin_a, _ = towns
    client.force_login(admin_a)
    from committees.models import Department

    department = Department.objects.first()
    # when it posts a change to a district department, or tries to add one
    response = client.post(_url(Department, "change", department.pk), {"name": "改名"})
    # then the change is refused and the department unchanged
    assert response.status_code == 403
    assert Department.objects.get(pk=department.pk).name == department.name
    assert client.get(_url(Department, "add")).status_code == 403
    # and no bulk action (beat's run/disable declare no permission) is offered on shared rows
    from django_celery_beat.models import PeriodicTask

    tasks = client.get(_url(PeriodicTask, "changelist"))
    assert tasks.status_code == 200
    assert tasks.context["action_form"] is None
    task = PeriodicTask.objects.filter(enabled=True).first()
    client.post(
        _url(PeriodicTask, "changelist"),
        {"action": "disable_tasks", "_selected_action": [task.pk], "index": 0},
    )
    task.refresh_from_db()
    assert task.enabled


def _choice_fields(response):
    forms = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):
        forms.extend(inline.formset.forms)
        forms.append(inline.formset.empty_form)
    for form in forms:
        for name, field in form.fields.items():
            # an inline row's own hidden pk names rows of the formset's parent only
            if name == form._meta.model._meta.pk.name:
                continue
            if isinstance(field, ModelChoiceField):
                yield name, field


def test_foreign_key_choices_offer_no_row_of_another_township(towns, client):
    # given the admin of township A
    _, admin_a, rows_b = towns
    client.force_login(admin_a)
    walked = 0
    for model in admin.site._registry:
        # when it opens any add page it may open
        response = client.get(_url(model, "add"))
        if response.status_code != 200:
            continue
        for name, field in _choice_fields(response):
            related = field.queryset.model
            if related._meta.label_lower in SHARED:
                continue
            walked += 1
            # then no choice is a row of township B
            offered = set(field.queryset.values_list("pk", flat=True))
            assert not offered & rows_b.get(related, set()), (model._meta.label, name)
    assert walked >= 5


def test_a_township_admin_cannot_make_a_cadre_district_level(towns, client):
    # given the admin of township A and its own cadre profile
    township_a, admin_a, _ = towns
    client.force_login(admin_a)
    cadre = admin_a.cadre
    page = client.get(_url(Cadre, "change", cadre.pk))
    field = page.context["adminform"].form.fields["township"]
    # then the township is required (empty = district level, sees every township) ...
    assert field.required
    # ... and a post that empties it changes nothing
    client.post(
        _url(Cadre, "change", cadre.pk),
        {"name": cadre.name, "phone": cadre.phone, "township": "", "is_active": "on"},
    )
    cadre.refresh_from_db()
    assert cadre.township_id == township_a.pk


def test_resident_data_is_never_deleted_in_the_admin(towns, client):
    # given the admin of township A with a household of its own
    township_a, admin_a, _ = towns
    client.force_login(admin_a)
    # then no admin of resident data offers deletion, and the bulk delete action is gone
    request = client.get(_url(Household, "changelist")).wsgi_request
    for label in ("households.household", "households.resident", "households.helprecord"):
        model_admin = next(
            a for m, a in admin.site._registry.items() if m._meta.label_lower == label
        )
        assert not model_admin.has_delete_permission(request), label
        assert "delete_selected" not in model_admin.get_actions(request), label
