"""The resident's pages, no login: the self-report through the contact card's QR code, its
confirmation with the tracking number, the public status page and the resident's rating."""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit import client_ip
from core.outbox import outbox_enqueue

from . import self_report, services, tracking
from .forms import SelfReportForm
from .models import Issue, Source, Urgency
from .tasks import send_tracking_sms
from .tracking_forms import ResidentRateForm, TrackForm
from .transitions import TransitionNotAllowed

DONE_KEY = "issues.self_report.done"  # the number just given, for the confirmation page
TRACK_KEY = "issues.track.code"  # the number this browser proved it knows (code + phone)


def self_report_view(request, token):
    """No login: the household comes from the signed token on its contact card. After any error
    the form comes back with everything typed and a new arithmetic question."""
    try:
        household = self_report.household_from_token(token)
    except (signing.BadSignature, ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None
    question, challenge = self_report.new_challenge()
    form = SelfReportForm(request.POST or None, initial={"started": challenge})
    # set before validation: the form caches its bound fields (and their labels) on first use
    form.fields["answer"].label = _("请计算：%(q)s") % {"q": question}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            problem = self_report.challenge_error(
                data["started"], data["answer"], request.POST.get("website", "")
            )
            if problem:
                form.add_error("answer", _("验证未通过，请重新计算后提交（提交过快也会被拦截）。"))
            elif self_report.rate_limited(ip=client_ip(request) or "-", household_id=household.pk):
                return render(request, "issues/self_report_limited.html", status=429)
            else:
                with transaction.atomic():
                    issue = services.issue_report(
                        actor=request.user,
                        household=household,
                        description=data["description"],
                        source=Source.SELF_REPORT,
                        urgency=Urgency.URGENT if data["urgent"] else Urgency.NORMAL,
                        reporter_name=data["reporter_name"],
                        reporter_phone=data["reporter_phone"],
                        location=data["location"],
                    )
                    if issue.reporter_phone:  # the number by SMS, once the report commits
                        key = f"issues.tracking-sms:{issue.pk}"
                        outbox_enqueue(send_tracking_sms, issue.pk, key=key)
                request.session[DONE_KEY] = issue.tracking_code
                request.session[TRACK_KEY] = issue.tracking_code
                return redirect("issues:self-report-done")
        form.data = form.data.copy()  # keep what was typed; a new question, no old answer
        form.data["started"], form.data["answer"] = challenge, ""
        status = 400
    context = {"form": form, "household": household}
    return render(request, "issues/self_report.html", context, status=status)


def self_report_done(request):
    code = request.session.get(DONE_KEY, "")
    issue = (
        Issue.objects.filter(tracking_code=code).only("reporter_phone").first() if code else None
    )
    context = {"code": code, "sms": bool(issue and issue.reporter_phone)}
    return render(request, "issues/self_report_done.html", context)


def _tracked(request) -> Issue | None:
    code = request.session.get(TRACK_KEY)
    if not code:
        return None
    return (
        Issue.objects.select_related("committee", "merged_into__committee")
        .filter(tracking_code=code)
        .first()
    )


def track(request):
    """The public status page: look up with the number and the phone's last four digits; the
    browser then remembers the number for this session (and the rating posts against it)."""
    form = TrackForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if tracking.lookup_limited(client_ip(request) or "-"):
            return render(request, "issues/self_report_limited.html", status=429)
        if form.is_valid():
            issue = tracking.tracking_find(form.cleaned_data["code"], form.cleaned_data["last4"])
            if issue is not None:
                request.session[TRACK_KEY] = issue.tracking_code
                return redirect("issues:track")
            form.add_error(None, _("查询号或手机号后四位不正确。"))
        status = 400
    issue = None if request.GET.get("new") or request.method == "POST" else _tracked(request)
    context = {"form": form}
    if issue is not None:
        context["s"] = tracking.public_status(issue)
        context["rate_form"] = ResidentRateForm()
    return render(request, "issues/track.html", context, status=status)


@require_POST
def track_rate(request):
    issue = _tracked(request)
    if issue is None:
        return redirect("issues:track")
    form = ResidentRateForm(request.POST)
    if form.is_valid():
        try:
            tracking.resident_rate(
                issue,
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
            )
        except TransitionNotAllowed:
            messages.info(request, _("这件诉求已经评价过了，谢谢您。"))
            return redirect("issues:track")
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("谢谢您的评价！"))
            return redirect("issues:track")
    context = {"form": TrackForm(), "s": tracking.public_status(issue), "rate_form": form}
    return render(request, "issues/track.html", context, status=400)
