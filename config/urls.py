"""URL configuration. Each app adds its own module under its namespace."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView

from core.api import views as api_views
from core.security import views as security_views
from dashboard import home as dashboard_home

handler400 = "core.views.error_400"
handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"

# lazy: rendered in the reader's language, not the one the server started in
admin.site.site_header = _("连心 · 系统管理")
admin.site.site_title = _("连心")
admin.site.index_title = _("乡镇联系服务群众平台")

urlpatterns = [
    path("", dashboard_home.home, name="home"),
    path("", include("visits.pwa_urls")),  # sw.js, manifest and the offline diary (root scope)
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        security_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/", include("core.security.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("households/", include("households.urls")),
    path("issues/", include("issues.urls")),
    path("liaison/", include("config.liaison_urls")),
    path("api/v1/", include("config.api_urls")),
    path("open311/v2/", include("open311.urls")),
    path("projects/", include("projects.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_views.SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", api_views.RedocView.as_view(url_name="schema"), name="redoc"),
]

# No static() for MEDIA_URL, in DEBUG neither: every upload is served by a view of its app that
# loads the owning object through the access policy (core/files.py).
