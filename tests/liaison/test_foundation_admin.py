"""Django admin for every model, and every changelist renders for an administrator."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from demo.seed import seed_demo

APPS = ("liaison", "households", "issues", "committees")


def test_every_model_of_ours_is_in_the_admin():
    missing = [
        m._meta.label
        for label in APPS
        for m in apps.get_app_config(label).get_models()
        if m not in admin.site._registry
    ]
    assert missing == []


@pytest.mark.django_db
def test_every_changelist_and_search_renders(client, django_user_model):
    seed_demo(households=30, seed=2)
    client.force_login(django_user_model.objects.get(username="admin"))
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in APPS:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url, {"q": "测试"} if model_admin.search_fields else {})
        assert response.status_code == 200, url
