"""The admin site's household pages: a door like the pages and the API.

Rows, choices and object permissions come from the access policy (PolicyScopedAdmin). Households
and members are validated by the services' own rules in the form (so a refused change is a form
error) and saved through the services (policy, validation, write, audit with masked numbers).
Phone and ID inputs are write-only: blank keeps the stored number, the help text shows its mask,
so opening a change form is never an unaudited reveal. Nothing is hard-deleted here.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from households.access import households_visible_to, pairings_visible_to, roster_imports_visible_to
from liaison.admin_platform import ReadOnlyAdmin
from liaison.admin_scope import (
    PolicyScopedAdmin,
    Scope,
    ScopedTabularInline,
    register_scopes,
    rows_within,
)

from . import identity
from .models import HelpRecord, Household, Resident, RosterImport, RosterImportChange, Tag
from .services_edit import (
    help_record_add,
    help_record_update,
    household_create,
    household_update,
    household_validate_create,
    household_validate_update,
    resident_add,
    resident_update,
    resident_validate_add,
    resident_validate_update,
)
from .services_help import HELP_FIELDS


class TagFilter(admin.SimpleListFilter):
    title = _("重点类别")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        return Tag.choices

    def queryset(self, request, queryset):
        return queryset.with_tag(self.value()) if self.value() else queryset


# --- Forms that ask the services --------------------------------------------------------------
class ServiceForm(forms.ModelForm):
    """A ModelForm whose clean() asks the service's own validation (`validate(data)`) about the
    fields that changed; the admin then saves through the service. `actor` is set by the admin."""

    actor = None
    service_fields: tuple[str, ...] = ()
    write_only = ("phone", "id_number")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance if self.instance.pk else None
        if "phone" in self.fields:
            self._write_only("phone", current.phone if current else "", identity.mask_phone)
        if "id_number" in self.fields and current is not None:
            self._write_only("id_number", current.id_number_hmac, lambda _: current.id_masked)
        self.service_data: dict = {}

    def _write_only(self, name: str, stored: str, mask) -> None:
        field = self.fields[name]
        field.required = False
        self.initial[name] = ""
        if stored:
            field.help_text = _("当前号码 %(masked)s；留空则不变。") % {"masked": mask(stored)}

    def changes(self) -> dict:
        data = {}
        for name in self.changed_data:
            if name not in self.service_fields:
                continue
            value = self.cleaned_data.get(name)
            if name in self.write_only and not value:
                continue  # blank keeps the stored number
            data[name] = value
        if self.cleaned_data.get("clear_phone"):
            data["phone"] = ""
        return data

    def validate(self, data: dict) -> dict:
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.service_data = self.validate(self.changes())
        except PermissionDenied as error:
            raise ValidationError(str(error) or _("您不能修改该户。")) from None
        except ValidationError as error:
            self._add_service_errors(error)
        return cleaned

    def _add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


class HouseholdAdminForm(ServiceForm):
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=32)
    clear_phone = forms.BooleanField(label=_("清除联系电话"), required=False)
    tags = forms.MultipleChoiceField(
        label=_("重点类别"),
        choices=Tag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    service_fields = (
        "code", "village", "grid", "address", "head_name", "phone", "tags", "difficulty", "note",
        "status",
    )  # fmt: skip

    class Meta:
        model = Household
        fields = ["code", "village", "grid", "address", "head_name", "difficulty", "note", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["tags"] = self.instance.tag_list

    def validate(self, data: dict) -> dict:
        if self.instance.pk is None:
            return household_validate_create(data=data, actor=self.actor)
        data.pop("head_name", None)  # follows the head member
        return household_validate_update(household=self.instance, data=data, actor=self.actor)


class ResidentAdminForm(ServiceForm):
    id_number = forms.CharField(
        label=_("身份证号"), required=False, max_length=32, help_text=_("18位，最后一位可为X。")
    )
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=32)
    clear_phone = forms.BooleanField(label=_("清除联系电话"), required=False)
    service_fields = ("household", "name", "id_number", "relation", "is_head", "phone",
                      "political_status")  # fmt: skip

    class Meta:
        model = Resident
        fields = ["household", "name", "relation", "is_head", "political_status"]

    def validate(self, data: dict) -> dict:
        if self.instance.pk is None:
            if not data.get("id_number"):
                raise ValidationError({"id_number": _("请填写身份证号。")})
            household = data.pop("household")
            data = resident_validate_add(household=household, data=data, actor=self.actor)
            return {**data, "household": household}
        return resident_validate_update(resident=self.instance, data=data, actor=self.actor)


class ActorFormMixin:
    """Hands the signed-in user to the service form, and never deletes."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def has_delete_permission(self, request, obj=None):
        return False  # residents' data is never hard-deleted: mark the household moved/closed

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


# --- Households and members --------------------------------------------------------------------
class ResidentInline(ScopedTabularInline):
    """Members as the page shows them (masked); each is changed on its own form."""

    model = Resident
    fields = ["name", "gender", "birth_year", "relation", "id_masked", "masked_phone", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("出生年份"))
    def birth_year(self, obj):
        return birth_year(obj)

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj):
        return obj.masked_phone


def birth_year(resident) -> str:
    """The year only: with the masked ID a full birth date would leave ~10 candidate numbers."""
    return str(resident.birth_date.year) if resident.birth_date else ""


@admin.register(Household)
class HouseholdAdmin(ActorFormMixin, PolicyScopedAdmin):
    form = HouseholdAdminForm
    exclude = ["phone", "tags"]  # the model's: the form's own write-only inputs replace them
    list_display = ["code", "head_name", "village", "grid", "address", "tags_display", "status"]
    list_filter = ["village__township", "village", "status", "difficulty", TagFilter]
    search_fields = ["code", "head_name", "address", "grid"]
    list_select_related = ["village"]
    inlines = [ResidentInline]
    autocomplete_fields = ["village"]
    # The changelist links to the import page (upload -> preview -> confirm), which runs the
    # same service as the shell command and the Celery task.
    change_list_template = "households/admin/household_change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("village")

    def get_readonly_fields(self, request, obj=None):
        return ["head_name", "status_date"] if obj is not None else []

    @admin.display(description=_("重点类别"))
    def tags_display(self, obj):
        return "、".join(obj.tag_labels)

    def save_model(self, request, obj, form, change):
        data = form.service_data
        if change:
            household = Household.objects.get(pk=obj.pk)
            household_update(household=household, data=data, actor=request.user, request=request)
        else:
            obj.pk = household_create(data=data, actor=request.user, request=request).pk
            obj._state.adding = False
        obj.refresh_from_db()


@admin.register(Resident)
class ResidentAdmin(ActorFormMixin, PolicyScopedAdmin):
    form = ResidentAdminForm
    exclude = ["phone"]  # the model's: the form's own write-only input replaces it
    list_display = ["name", "household", "gender", "birth_year", "id_masked", "relation", "status"]
    list_filter = ["status", "gender", "political_status", "relation"]
    search_fields = ["name", "household__code", "id_last4"]
    autocomplete_fields = ["household"]
    list_select_related = ["household"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["id_masked", "birth_year", "gender", "status", "status_date"]
        return [*fixed, "household"] if obj is not None else fixed

    @admin.display(description=_("出生年份"))
    def birth_year(self, obj):
        return birth_year(obj)

    def save_model(self, request, obj, form, change):
        data = dict(form.service_data)
        if change:
            resident = Resident.objects.select_related("household").get(pk=obj.pk)
            resident_update(resident=resident, data=data, actor=request.user, request=request)
        else:
            household = data.pop("household")
            created = resident_add(
                household=household, data=data, actor=request.user, request=request
            )
            obj.pk = created.pk
            obj._state.adding = False
        obj.refresh_from_db()


class VoidedFilter(admin.SimpleListFilter):
    title = _("作废")
    parameter_name = "voided"

    def lookups(self, request, model_admin):
        return [("no", _("有效")), ("yes", _("已作废"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.valid()
        if self.value() == "yes":
            return queryset.filter(voided_at__isnull=False)
        return queryset


@admin.register(HelpRecord)
class HelpRecordAdmin(PolicyScopedAdmin):
    """Voiding is done on the household page (reason, audit); here a voided record is read-only."""

    list_display = [
        "helped_on", "household", "cadre", "helper_name", "content", "amount", "recorded_by",
        "voided_at",
    ]  # fmt: skip
    list_filter = [VoidedFilter]
    search_fields = ["household__code", "household__head_name", "helper_name", "content"]
    autocomplete_fields = ["household", "cadre"]
    list_select_related = ["household", "cadre", "recorded_by"]
    readonly_fields = ["recorded_by", "voided_at", "voided_by", "void_reason"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_voided:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Through the services, like the household page: audited, a voided record untouched."""
        data = {field: getattr(obj, field) for field in HELP_FIELDS}
        if change:
            record = HelpRecord.objects.get(pk=obj.pk)
            help_record_update(record=record, data=data, actor=request.user, request=request)
        else:
            record = help_record_add(
                household=obj.household, data=data, actor=request.user, request=request
            )
            obj.pk = record.pk
            obj._state.adding = False
        obj.refresh_from_db()


@admin.register(RosterImport)
class RosterImportAdmin(ReadOnlyAdmin):
    """The history of roster imports: read-only, one row per upload."""

    list_display = ["created_at", "file_name", "uploaded_by", "status", "error_count"]
    list_filter = ["status"]
    exclude = ["file"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "file"] + ["change_rows_link"]

    @admin.display(description=_("逐行变更"))
    def change_rows_link(self, obj):
        url = reverse("admin:households_rosterimportchange_changelist")
        count = obj.change_rows.count()
        return format_html(
            '<a href="{}?roster_import__id__exact={}">{}</a>', url, obj.pk, f"{count:,}"
        )


@admin.register(RosterImportChange)
class RosterImportChangeAdmin(ReadOnlyAdmin):
    """One import's row changes, filtered by import, sheet and action; read-only."""

    list_display = ["roster_import", "sheet", "row", "action", "key", "fields"]
    list_filter = ["sheet", "action", "roster_import"]
    search_fields = ["key"]
    list_select_related = ["roster_import"]
    show_full_result_count = False


# Added by the admin-scope work (issue #12, finding 2): every model is in the admin, scoped.
from .models_cards import ContactCardRun  # noqa: E402

if not admin.site.is_registered(ContactCardRun):

    @admin.register(ContactCardRun)
    class ContactCardRunAdmin(ReadOnlyAdmin):
        """The print runs of contact cards: written when cards are printed, read here."""

        list_display = ["household", "number", "printed_at", "printed_by"]
        list_select_related = ["household", "printed_by"]


# The admin's rows come from the households policy (liaison.admin_scope.PolicyScopedAdmin).
register_scopes(
    {
        "households.household": Scope(households_visible_to),
        "households.resident": Scope(
            rows_within("households.Resident", "household", households_visible_to)
        ),
        "households.helprecord": Scope(
            rows_within("households.HelpRecord", "household", households_visible_to)
        ),
        "households.contactcardrun": Scope(
            rows_within("households.ContactCardRun", "household", households_visible_to)
        ),
        "households.rosterimport": Scope(roster_imports_visible_to),
        "households.rosterimportchange": Scope(
            rows_within("households.RosterImportChange", "roster_import", roster_imports_visible_to)
        ),
        # a pairing is seen by those who see its household
        "liaison.pairing": Scope(pairings_visible_to),
    }
)
