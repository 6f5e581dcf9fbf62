from django.urls import path

from .views import cards, edit, edit_members, exports, households, imports

app_name = "households"
urlpatterns = [
    path("", households.household_list, name="list"),
    path("export/", households.household_export, name="export"),
    path("export/reveal/", exports.household_export_reveal, name="export-reveal"),
    path("cadres/", households.household_cadre_options, name="cadre-options"),
    path("<int:pk>/", households.household_detail, name="detail"),
    path("<int:pk>/reveal/", households.household_reveal, name="reveal"),
    path("<int:pk>/card/", cards.contact_card, name="card"),
    path("<int:pk>/card/reprint/", cards.contact_card_reprint, name="card-reprint"),
    path("<int:pk>/edit/", edit.household_edit, name="edit"),
    path("<int:pk>/members/add/", edit_members.member_add, name="member-add"),
    path("<int:pk>/members/<int:resident_pk>/edit/", edit_members.member_edit, name="member-edit"),
    path(
        "<int:pk>/members/<int:resident_pk>/status/",
        edit_members.member_status,
        name="member-status",
    ),
    path(
        "<int:pk>/members/<int:resident_pk>/restore/",
        edit_members.member_restore,
        name="member-restore",
    ),
    path("<int:pk>/help/add/", edit.help_record_new, name="help-add"),
    path("<int:pk>/help/<int:record_pk>/edit/", edit.help_record_edit, name="help-edit"),
    path("<int:pk>/help/<int:record_pk>/void/", edit.help_record_void, name="help-void"),
    path("cards/workgroup/<int:workgroup_pk>/", cards.workgroup_cards, name="workgroup-cards"),
    path(
        "cards/workgroup/<int:workgroup_pk>/reprint/",
        cards.workgroup_cards_reprint,
        name="workgroup-cards-reprint",
    ),
    path("import/", imports.roster_upload, name="import"),
    path("import/template/", imports.roster_template, name="import-template"),
    path("import/<int:pk>/", imports.roster_import_detail, name="import-detail"),
    path("import/<int:pk>/progress/", imports.roster_import_progress, name="import-progress"),
    path("import/<int:pk>/confirm/", imports.roster_import_confirm, name="import-confirm"),
    path("import/<int:pk>/file/", imports.roster_import_file, name="import-file"),
]
