"""The only writer of visits: log, edit, correct, attach photos."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Cast, ExtractDay, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditEntry
from core.uploads import check_upload
from issues.services import issue_report
from liaison.access import cadre_of
from liaison.models import Pairing
from visits.access import (
    may_correct_visit,
    may_edit_visit,
    may_log_visit,
    may_move_contact_days,
)
from visits.models import ContactDay, Visit, VisitMonth, VisitNote, VisitPhoto

PHOTO_MAX_BYTES = 5 * 1024 * 1024


PHOTO_MAX_COUNT = 6


def photo_content_type(upload) -> str:
    """The real image type of an upload (decoded by core.uploads), or a ValidationError."""
    try:
        return check_upload(upload, kinds={"image"}, max_bytes=PHOTO_MAX_BYTES).content_type
    except ValidationError as error:
        if error.code == "upload_too_large":
            raise ValidationError(
                _("照片不能超过 5 MB：%(name)s") % {"name": upload.name}
            ) from None
        raise ValidationError(
            _("只能上传 JPG、PNG 或 WebP 照片：%(name)s") % {"name": upload.name}
        ) from None


def _visit_changes(visit: Visit) -> dict:
    return {
        "household": visit.household_id,
        "visited_on": str(visit.visited_on),
        "kind": visit.kind,
        "met_with": visit.met_with,
        "situation_tags": visit.situation_tags,
    }


def _periods(pairings) -> str:
    return "、".join(
        _("%(start)s 至 %(end)s") % {"start": p.start_date, "end": p.end_date}
        if p.end_date
        else _("%(start)s 起") % {"start": p.start_date}
        for p in pairings
    )


def visit_validate_date(*, visited_on: dt.date, cadre=None, household=None) -> None:
    """The one rule for a visit's date, on every door (the page forms, the API, the offline
    sync, the admin): not after today, not more than `settings.VISIT_BACKDATE_DAYS` days back
    (补记), and, once the cadre and the household are known, inside a period of their pairing.
    Raises a ValidationError on `visited_on`."""
    today = timezone.localdate()
    if visited_on > today:
        raise ValidationError({"visited_on": _("走访日期不能晚于今天。")})
    days = settings.VISIT_BACKDATE_DAYS
    earliest = today - dt.timedelta(days=days)
    if visited_on < earliest:
        raise ValidationError(
            {
                "visited_on": _("只能补记 %(days)s 天内的走访：日期不能早于 %(date)s。")
                % {"days": days, "date": earliest}
            }
        )
    if cadre is None or household is None:
        return
    pairings = Pairing.objects.filter(cadre=cadre, household=household)
    covering = pairings.filter(start_date__lte=visited_on).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=visited_on)
    )
    if not covering.exists():
        raise ValidationError(
            {
                "visited_on": _("走访日期不在您与该户的结对期间内（%(periods)s）。")
                % {"periods": _periods(pairings.order_by("start_date"))}
            }
        )


@transaction.atomic
def visit_log(
    *,
    actor,
    household,
    visited_on: dt.date,
    kind: str,
    met_with: str = "",
    notes: str = "",
    follow_up: str = "",
    tags: Iterable[str] = (),
    photos: Sequence = (),
    issue: dict | None = None,
    recorded_at: dt.datetime | None = None,
    request=None,
) -> Visit:
    """Log a visit to one of the actor's own paired households, optionally raising an issue
    from it (the issue starts in the reported state, linked to the visit). `recorded_at` is when
    the cadre wrote it (the offline queue's capture time; default now): the 24-hour edit window
    runs from it."""
    cadre = cadre_of(actor)
    if cadre is None or not may_log_visit(actor, household):
        raise PermissionDenied(_("只能为本人结对的住户记录走访。"))
    visit_validate_date(visited_on=visited_on, cadre=cadre, household=household)
    now = timezone.now()
    visit = Visit(
        cadre=cadre,
        household=household,
        visited_on=visited_on,
        kind=kind,
        met_with=met_with,
        notes=notes,
        follow_up=follow_up,
        recorded_at=min(recorded_at, now) if recorded_at else now,
    )
    visit.set_tags(tags)
    visit.full_clean()
    visit.save()
    _visit_months_recount(household=household, days=[visited_on])
    visit_attach_photos(visit=visit, photos=photos)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=visit,
        township_id=household.township_id,
        summary=f"走访记录 {household.code} {visited_on}",
        changes=_visit_changes(visit),
        request=request,
    )
    if issue and issue.get("description"):
        issue_report(
            actor=actor,
            household=household,
            description=issue["description"],
            source="visit",
            urgency=issue.get("urgency") or "normal",
            visit=visit,
        )
    return visit


def visit_attach_photos(*, visit: Visit, photos: Sequence) -> list[VisitPhoto]:
    if len(photos) + visit.photos.count() > PHOTO_MAX_COUNT:
        raise ValidationError(_("每条走访记录最多 %(n)s 张照片。") % {"n": PHOTO_MAX_COUNT})
    saved = []
    for upload in photos:
        content_type = photo_content_type(upload)
        saved.append(
            VisitPhoto.objects.create(
                visit=visit, image=upload, content_type=content_type, size=upload.size
            )
        )
    return saved


@transaction.atomic
def visit_update(*, actor, visit: Visit, request=None, **fields) -> Visit:
    """Edit a visit: only its author, only within 24 hours; afterwards it is locked. A new date
    passes the date rule; the date it was logged with is kept as it is."""
    if not may_edit_visit(actor, visit):
        raise PermissionDenied(_("走访记录已超过 24 小时，已锁定，只能追加更正说明。"))
    new_date = fields.get("visited_on")
    if new_date is not None and new_date != visit.visited_on:
        visit_validate_date(visited_on=new_date, cadre=visit.cadre, household=visit.household)
    before = _visit_changes(visit)
    old_date = visit.visited_on
    tags = fields.pop("tags", None)
    allowed = {"visited_on", "kind", "met_with", "notes", "follow_up"}
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"field {name} cannot be edited")
        setattr(visit, name, value)
    if tags is not None:
        visit.set_tags(tags)
    visit.full_clean()
    visit.save()
    if visit.visited_on != old_date:
        _visit_months_recount(household=visit.household, days=[old_date, visit.visited_on])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=visit,
        township_id=visit.household.township_id,
        summary=f"修改走访记录 {visit.pk}",
        changes={"before": before, "after": _visit_changes(visit)},
        request=request,
    )
    return visit


@transaction.atomic
def visit_add_correction(*, actor, visit: Visit, text: str, request=None) -> VisitNote:
    """Append a correction to a visit (locked or not); the entry itself stays as written."""
    if not may_correct_visit(actor, visit):
        raise PermissionDenied(_("无权更正该走访记录。"))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("请填写更正说明。")})
    note = VisitNote.objects.create(visit=visit, author=actor, text=text)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=visit,
        township_id=visit.household.township_id,
        summary=f"追加更正 {visit.pk}",
        changes={"correction": text},
        request=request,
    )
    return note


# --- The monthly roll-up of visits (VisitMonth) ----------------------------------------------
def _day_bit(day: int) -> int:
    return 1 << (day - 1)


def _visit_months_recount(*, household, days: Iterable[dt.date]) -> None:
    """Recount the household's VisitMonth rows of the months of `days` from its visits, in the
    caller's transaction. The row is locked first (created if missing), so two visits logged at
    once to the same household and month are counted one after the other."""
    for month in sorted({day.replace(day=1) for day in days}):
        row, _created = VisitMonth.objects.select_for_update().get_or_create(
            household_id=household.pk, month=month, defaults={"township_id": household.township_id}
        )
        end = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        dates = Visit.objects.filter(household_id=household.pk, visited_on__range=(month, end))
        dates = list(dates.values_list("visited_on", flat=True))
        row.visits, row.days = len(dates), sum({_day_bit(d.day) for d in dates})
        row.save(update_fields=["visits", "days"])


def visit_months_rebuild(*, township_id: int | None = None) -> int:
    """Refill the VisitMonth rows (all townships, or one) from the visits with one
    INSERT … SELECT: after a bulk load (the demo seeder) or to repair. Returns the rows."""
    visits = Visit.objects.all()
    if township_id is not None:
        visits = visits.filter(household__township_id=township_id)
    grouped = (
        visits.values(
            h=F("household_id"), t=F("household__township_id"), m=TruncMonth("visited_on")
        )
        .annotate(
            n=Count("pk"),
            # distinct powers of two add up to their OR (SQLite has no BIT_OR)
            d=Sum(
                Value(1).bitleftshift(Cast(ExtractDay("visited_on"), IntegerField()) - 1),
                distinct=True,
            ),
        )
        .order_by()
    )
    sql, params = grouped.query.sql_with_params()
    table = VisitMonth._meta.db_table
    with transaction.atomic():
        old = VisitMonth.objects.all()
        if township_id is not None:
            old = old.filter(township_id=township_id)
        old.delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (household_id, township_id, month, visits, days) "  # noqa: S608
                f"SELECT h, t, m, n, d FROM ({sql}) AS grouped",
                params,
            )
            return cursor.rowcount


def contact_day_validate(*, month) -> None:
    """The rules of a contact-day move, for every door (the page form, the admin form, the
    service itself)."""
    if month is not None and not 1 <= month <= 12:
        raise ValidationError({"month": _("月份应为 1–12。")})


@transaction.atomic
def contact_day_move(
    *, actor, township, year: int, month: int, date, reason: str = "", request=None
):
    """Move one month's contact day of a township (a holiday), audited. Admins only."""
    if not may_move_contact_days(actor):
        raise PermissionDenied
    contact_day_validate(month=month)
    override, _created = ContactDay.objects.update_or_create(
        township=township, year=year, month=month, defaults={"date": date, "reason": reason}
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=override,
        summary=f"联系群众日调整 {override}",
        request=request,
    )
    return override
