"""The visit diary: scoping, the 24-hour lock, corrections, photos, raising an issue inline."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from liaison import services as liaison_services
from tests.samples import JPEG, PNG  # real images: uploads are decoded, not sniffed
from visits import services
from visits.access import access_visit, may_log_visit, visits_visible_to
from visits.models import Visit, VisitNote


def log(user, household, **kw):
    data = {
        "actor": user,
        "household": household,
        "visited_on": timezone.localdate(),
        "kind": Visit.Kind.CONTACT_DAY,
        "notes": "家中一切正常",
    }
    data.update(kw)
    return services.visit_log(**data)


def form_data(household, **kw):
    data = {
        "household": household.pk,
        "visited_on": timezone.localdate().isoformat(),
        "kind": "contact_day",
        "met_with": "户主本人",
        "notes": "老人腿脚不便，希望门口装扶手",
        "tags": ["elderly", "housing"],
    }
    data.update(kw)
    return data


# --- Scoping --------------------------------------------------------------------------------
def test_cadre_logs_a_visit_for_own_household(group):
    a = group["a"]
    household = group["households"]["a"][0]
    visit = log(a.user, household, tags=["health", "unknown"])
    assert visit.cadre == a
    assert visit.tag_list == ["health"]
    assert AuditEntry.objects.filter(object_type="visits.visit", object_id=str(visit.pk)).exists()


def test_cadre_cannot_log_for_another_cadres_household(group, stray_household):
    a = group["a"]
    other = group["households"]["b"][0]
    assert not may_log_visit(a.user, other)
    with pytest.raises(PermissionDenied):
        log(a.user, other)
    with pytest.raises(PermissionDenied):
        log(a.user, stray_household)


def test_cannot_log_for_a_household_no_longer_paired(group):
    a, b = group["a"], group["b"]
    household = group["households"]["a"][0]
    liaison_services.pairing_assign(actor=b.user, cadre=b, household_ids=[household.pk])
    with pytest.raises(PermissionDenied):
        log(a.user, household)
    assert log(b.user, household).cadre == b


def test_form_for_another_cadres_household_is_404(client, group):
    client.force_login(group["a"].user)
    other = group["households"]["b"][0]
    assert client.get(reverse("liaison:visit-new"), {"household": other.pk}).status_code == 404
    response = client.post(reverse("liaison:visit-new"), form_data(other))
    assert response.status_code == 404
    assert not Visit.objects.exists()


def test_visit_detail_of_another_cadre_is_404_but_the_leader_sees_it(client, group):
    visit = log(group["b"].user, group["households"]["b"][0])
    client.force_login(group["a"].user)
    assert client.get(reverse("liaison:visit-detail", args=[visit.pk])).status_code == 404
    with pytest.raises(Http404):
        access_visit(group["a"].user, visit.pk)
    client.force_login(group["leader"].user)
    assert client.get(reverse("liaison:visit-detail", args=[visit.pk])).status_code == 200
    assert visit in visits_visible_to(group["leader"].user)


def test_household_search_lists_only_my_households(client, group):
    client.force_login(group["a"].user)
    body = client.get(reverse("liaison:visit-household-search")).content.decode()
    for household in group["households"]["a"]:
        assert household.code in body
    for household in group["households"]["b"]:
        assert household.code not in body
    mine = group["households"]["a"][1]
    body = client.get(
        reverse("liaison:visit-household-search"), {"q": mine.head_name}
    ).content.decode()
    assert mine.code in body and group["households"]["a"][0].code not in body


# --- The form -----------------------------------------------------------------------------
def test_log_through_the_form_with_a_photo(client, group, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    household = group["households"]["a"][0]
    client.force_login(group["a"].user)
    data = form_data(household, photos=[SimpleUploadedFile("门口.png", PNG, "image/png")])
    response = client.post(reverse("liaison:visit-new"), data)
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("liaison:visit-detail", args=[visit.pk])
    assert visit.met_with == "户主本人"
    assert visit.tag_list == ["housing", "elderly"]
    photo = visit.photos.get()
    assert photo.content_type == "image/png"
    got = client.get(reverse("liaison:visit-photo", args=[visit.pk, photo.pk]))
    assert got.status_code == 200 and b"".join(got.streaming_content) == PNG
    client.force_login(group["b"].user)
    assert client.get(reverse("liaison:visit-photo", args=[visit.pk, photo.pk])).status_code == 404


def test_a_file_that_is_not_an_image_is_refused_with_a_clear_error(client, group):
    household = group["households"]["a"][0]
    client.force_login(group["a"].user)
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", "image/jpeg")
    response = client.post(reverse("liaison:visit-new"), form_data(household, photos=[fake]))
    assert response.status_code == 200
    assert "只能上传 JPG、PNG 或 WebP 照片" in response.content.decode()
    assert not Visit.objects.exists()


def test_oversized_photo_is_refused(group):
    big = SimpleUploadedFile("big.jpg", JPEG + b"\x00" * (5 * 1024 * 1024), "image/jpeg")
    with pytest.raises(ValidationError, match="5 MB"):
        log(group["a"].user, group["households"]["a"][0], photos=[big])
    assert not Visit.objects.exists()


def test_future_date_and_missing_fields_are_field_errors(client, group):
    household = group["households"]["a"][0]
    client.force_login(group["a"].user)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("liaison:visit-new"), form_data(household, visited_on=tomorrow, notes="")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "走访日期不能晚于今天" in body
    assert 'id="id_notes" rows="4" class="form-control is-invalid"' in body
    response = client.post(
        reverse("liaison:visit-new"), {**form_data(household), "household": "abc"}
    )
    assert response.status_code == 200
    assert "请选择走访户" in response.content.decode()


def test_raise_an_issue_inline(client, group):
    from issues.models import Issue

    household = group["households"]["a"][0]
    client.force_login(group["a"].user)
    page = client.get(reverse("liaison:visit-new")).content.decode()
    assert 'data-testid="issue-inline"' in page
    data = form_data(
        household, raise_issue="on", issue_description="门前路灯坏了", issue_urgency="normal"
    )
    response = client.post(reverse("liaison:visit-new"), data)
    assert response.status_code == 302
    visit = Visit.objects.get()
    issue = Issue.objects.get()
    assert issue.visit == visit and issue.household == household
    assert issue.status == "reported" and issue.source == "visit"
    detail = client.get(reverse("liaison:visit-detail", args=[visit.pk])).content.decode()
    assert "门前路灯坏了" in detail


def test_raise_issue_needs_a_description(client, group):
    client.force_login(group["a"].user)
    data = form_data(group["households"]["a"][0], raise_issue="on", issue_description=" ")
    response = client.post(reverse("liaison:visit-new"), data)
    assert "请填写诉求内容" in response.content.decode()
    assert not Visit.objects.exists()


# --- 24-hour lock and corrections ----------------------------------------------------------
def test_author_edits_within_24_hours_then_it_is_locked(client, group):
    household = group["households"]["a"][0]
    user = group["a"].user
    group["a"].pairings.update(start_date=dt.date(2024, 1, 1))  # paired before the visit
    with time_machine.travel(dt.datetime(2025, 5, 7, 9, 0, tzinfo=dt.UTC), tick=False):
        visit = log(user, household, visited_on=dt.date(2025, 5, 7))
    with time_machine.travel(dt.datetime(2025, 5, 8, 8, 59, tzinfo=dt.UTC), tick=False):
        services.visit_update(actor=user, visit=visit, notes="补充：已联系社区", tags=["policy"])
        client.force_login(user)
        assert client.get(reverse("liaison:visit-edit", args=[visit.pk])).status_code == 200
    visit.refresh_from_db()
    assert visit.notes == "补充：已联系社区" and visit.tag_list == ["policy"]
    with time_machine.travel(dt.datetime(2025, 5, 8, 9, 0, 1, tzinfo=dt.UTC), tick=False):
        with pytest.raises(PermissionDenied):
            services.visit_update(actor=user, visit=visit, notes="改写")
        client.force_login(user)
        response = client.post(
            reverse("liaison:visit-edit", args=[visit.pk]),
            {"visited_on": "2025-05-07", "kind": "ad_hoc", "notes": "改写"},
        )
        assert response.status_code == 302
        detail = client.get(reverse("liaison:visit-detail", args=[visit.pk])).content.decode()
        assert 'data-testid="locked"' in detail
        client.post(reverse("liaison:visit-correct", args=[visit.pk]), {"text": "日期应为5月6日"})
    visit.refresh_from_db()
    assert visit.notes == "补充：已联系社区"
    assert VisitNote.objects.get(visit=visit).text == "日期应为5月6日"


def test_nobody_else_edits_even_within_24_hours(group):
    visit = log(group["a"].user, group["households"]["a"][0])
    with pytest.raises(PermissionDenied):
        services.visit_update(actor=group["leader"].user, visit=visit, notes="x")
    # the group leader may append a correction; another cadre may not
    services.visit_add_correction(actor=group["leader"].user, visit=visit, text="已核实")
    with pytest.raises(PermissionDenied):
        services.visit_add_correction(actor=group["b"].user, visit=visit, text="x")


# --- Pages ------------------------------------------------------------------------------------
def test_diary_lists_my_visits_by_date_and_filters_by_month(client, group):
    a = group["a"]
    h1, h2, _h3 = group["households"]["a"]
    Visit.objects.create(cadre=a, household=h1, visited_on=dt.date(2025, 4, 2), notes="四月走访")
    Visit.objects.create(cadre=a, household=h2, visited_on=dt.date(2025, 5, 7), notes="五月走访")
    Visit.objects.create(
        cadre=group["b"],
        household=group["households"]["b"][0],
        visited_on=dt.date(2025, 5, 7),
        notes="别人的",
    )
    client.force_login(a.user)
    body = client.get(reverse("liaison:visit-list")).content.decode()
    assert "四月走访" in body and "五月走访" in body and "别人的" not in body
    body = client.get(reverse("liaison:visit-list"), {"month": "2025-05"}).content.decode()
    assert "四月走访" not in body and "五月走访" in body
    assert client.get(reverse("liaison:visit-list"), {"month": "garbage"}).status_code == 200


def test_cadre_home_shows_month_status_and_diary(client, group):
    a = group["a"]
    h1 = group["households"]["a"][0]
    log(a.user, h1, notes="首页日记")
    client.force_login(a.user)
    body = client.get(reverse("home")).content.decode()
    assert "本月已走访 1 / 3" in body
    assert "首页日记" in body
    assert 'data-testid="visited"' in body
    assert "下一个联系群众日" in body


def test_group_leader_home_shows_coverage_and_laggards(
    client, group, django_assert_max_num_queries
):
    log(group["a"].user, group["households"]["a"][0])
    client.force_login(group["leader"].user)
    with django_assert_max_num_queries(26):
        body = client.get(reverse("home")).content.decode()
    assert 'data-stat="month-coverage">20.0%' in body
    assert "干部甲" in body and "差 2 户" in body
