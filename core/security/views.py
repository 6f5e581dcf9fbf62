"""Interfaces of the account security controls: password change, TOTP enrol and verify."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.security import rules, services
from core.security.forms import SecurePasswordChangeForm, TokenForm


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "home"


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = SecurePasswordChangeForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["must_change"] = rules.must_change_password(self.request.user)
        return context

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session signed in
        services.account_password_changed(user=form.user, request=self.request)
        return response


@login_required
@require_http_methods(["GET", "POST"])
def totp_enrol(request):
    if rules.has_confirmed_device(request.user) and request.user.is_verified():
        messages.info(request, _("已启用双因素认证。"))
        return redirect("home")
    device = services.totp_device_for_enrolment(user=request.user)
    form = TokenForm(request.POST or None)
    if form.is_valid():
        token = form.cleaned_data["token"]
        if services.totp_device_confirm(device=device, token=token, request=request):
            messages.success(request, _("双因素认证已启用，以后登录时需输入动态口令。"))
            return redirect(_next_url(request))
        form.add_error("token", _("动态口令不正确或已过期，请重试。"))
    context = {
        "form": form,
        "qr_svg": services.totp_qr_svg(device),
        "secret": device.config_url.split("secret=")[1].split("&")[0],
        "required": rules.second_factor_required(request.user),
        "next": request.GET.get("next", ""),
    }
    return render(request, "security/totp_enrol.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def totp_verify(request):
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if form.is_valid():
        token = form.cleaned_data["token"]
        if services.totp_verify(user=request.user, token=token, request=request):
            return redirect(_next_url(request))
        form.add_error("token", _("动态口令不正确或已过期，请重试。"))
    return render(
        request, "security/totp_verify.html", {"form": form, "next": request.GET.get("next", "")}
    )
