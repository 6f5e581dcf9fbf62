from django.urls import path

from .views import cards, households, imports

app_name = "households"
urlpatterns = [
    path("", households.household_list, name="list"),
    path("export/", households.household_export, name="export"),
    path("<int:pk>/", households.household_detail, name="detail"),
    path("<int:pk>/reveal/", households.household_reveal, name="reveal"),
    path("<int:pk>/card/", cards.contact_card, name="card"),
    path("cards/workgroup/<int:workgroup_pk>/", cards.workgroup_cards, name="workgroup-cards"),
    path("import/", imports.roster_upload, name="import"),
    path("import/template/", imports.roster_template, name="import-template"),
    path("import/<int:pk>/", imports.roster_import_detail, name="import-detail"),
    path("import/<int:pk>/progress/", imports.roster_import_progress, name="import-progress"),
    path("import/<int:pk>/confirm/", imports.roster_import_confirm, name="import-confirm"),
]
