"""Roster import pages: upload -> preview (counts, row errors) -> confirm -> progress -> result."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.audit import audit_record
from core.files import serve_upload
from core.models import AuditEntry
from households.access import may_import_roster, roster_imports_visible_to
from households.models import RosterImport, RosterImportChange
from households.roster.guards import confirm_threshold, needs_typed_confirmation
from households.roster.history import roster_change_page
from households.roster.reader import max_upload_bytes
from households.roster.report import sheet_rows
from households.roster.schema import IMPORT_ORDER
from households.roster.service import (
    roster_confirm,
    roster_is_large,
    roster_preview,
    roster_progress,
    roster_queue,
    roster_upload_create,
)
from households.roster.template import write_template
from liaison.access import cadre_of, township_id_of
from liaison.models import Township


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("花名册文件（.xlsx）"))
    township = forms.ModelChoiceField(
        label=gettext_lazy("乡镇（街道）"), queryset=Township.objects.all(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_township = cadre_of(user).township if township_id_of(user) else None
        if self.user_township is not None:
            del self.fields["township"]
        else:
            self.fields["township"].required = True

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(
                _("文件过大（%(size).1f MB），上限为 %(limit)d MB。请按村拆分后分批导入。")
                % {"size": upload.size / 1048576, "limit": max_upload_bytes() // 1048576}
            )
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(
                _("请上传 .xlsx 文件（旧版 .xls 请在 Excel 中“另存为” .xlsx）。")
            )
        return upload

    @property
    def township_value(self):
        return self.user_township or self.cleaned_data["township"]


def _require_importer(user):
    if not may_import_roster(user):
        raise PermissionDenied


def _imports_of(user):
    return roster_imports_visible_to(user).select_related("uploaded_by")


def _access(user, pk) -> RosterImport:
    _require_importer(user)
    found = _imports_of(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@login_required
def roster_upload(request):
    _require_importer(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        roster_import = roster_upload_create(
            data=upload.read(),
            file_name=upload.name,
            township=form.township_value,
            actor=request.user,
        )
        if roster_is_large(roster_import):
            roster_queue(roster_import=roster_import, dry_run=True)
        else:
            roster_preview(roster_import=roster_import)
        return redirect("households:import-detail", pk=roster_import.pk)
    recent = _imports_of(request.user)[:10]
    return render(request, "households/import.html", {"form": form, "recent": recent})


@login_required
def roster_import_detail(request, pk):
    return _detail(request, _access(request.user, pk))


def _detail(request, roster_import: RosterImport, *, confirm_error: str = ""):
    form = UploadForm(user=request.user)
    sheet = request.GET.get("sheet", "")
    sheet = sheet if sheet in IMPORT_ORDER else ""
    action = request.GET.get("action", "")
    action = action if action in RosterImportChange.Action.values else ""
    changes = None
    if roster_import.status == RosterImport.Status.DONE:
        changes = roster_change_page(
            roster_import, sheet=sheet, action=action, page=request.GET.get("page")
        )
    return render(
        request,
        "households/import_detail.html",
        {
            "imp": roster_import,
            "sheets": sheet_rows(roster_import.counts),
            "progress": roster_progress(roster_import),
            "changes": changes,
            "change_filter": {"sheet": sheet, "action": action},
            "change_sheets": IMPORT_ORDER,
            "change_actions": RosterImportChange.Action.choices,
            "query": urlencode({k: v for k, v in (("sheet", sheet), ("action", action)) if v}),
            "form": form,
            "needs_typed": needs_typed_confirmation(roster_import.missing_pairings),
            "threshold": confirm_threshold(),
            "confirm_error": confirm_error,
        },
    )


@login_required
def roster_import_progress(request, pk):
    roster_import = _access(request.user, pk)
    response = render(
        request,
        "households/_progress.html",
        {"imp": roster_import, "progress": roster_progress(roster_import)},
    )
    if not roster_import.is_busy:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def roster_import_confirm(request, pk):
    roster_import = _access(request.user, pk)
    if roster_import.status == RosterImport.Status.PREVIEWED:
        refusal = roster_confirm(
            roster_import=roster_import,
            end_missing_pairings=request.POST.get("end_missing_pairings") == "on",
            typed=request.POST.get("confirm_end", ""),
        )
        if refusal:  # nothing queued: the preview stays, with the reason by the button
            return _detail(request, roster_import, confirm_error=refusal)
    return redirect("households:import-detail", pk=roster_import.pk)


@login_required
def roster_import_file(request, pk):
    """The stored workbook of an import awaiting confirmation (it holds plaintext ID numbers):
    only for the importers who may see the import, as a download, and audited."""
    roster_import = _access(request.user, pk)
    if not roster_import.file:
        raise Http404
    response = serve_upload(roster_import.file, filename=roster_import.file_name or "roster.xlsx")
    audit_record(
        actor=request.user,
        action=AuditEntry.Action.EXPORT,
        obj=roster_import,
        township_id=roster_import.township_id,
        summary=_("下载待确认的花名册 %(f)s") % {"f": roster_import.file_name},
        request=request,
    )
    return response


@login_required
def roster_template(request):
    _require_importer(request.user)
    township = cadre_of(request.user).township if township_id_of(request.user) else None
    if township is None:
        township = Township.objects.first()
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    write_template(response, township=township)
    return response
