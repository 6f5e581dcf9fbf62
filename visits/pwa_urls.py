"""The PWA's root-level URLs: the service worker must be served from / to control every page."""

from django.urls import path

from visits import pwa

app_name = "pwa"
urlpatterns = [
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("diary/", pwa.diary, name="diary"),
]
