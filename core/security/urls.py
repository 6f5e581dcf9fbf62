from django.urls import path

from core.security import views

app_name = "security"

urlpatterns = [
    path("2fa/enrol/", views.totp_enrol, name="totp-enrol"),
    path("2fa/verify/", views.totp_verify, name="totp-verify"),
]
