"""Open311 GeoReport v2 intake: the API clients (the 12345 hotline, other apps) with their hashed
keys, and the service requests they filed, each tied to the Issue it became."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiClient(models.Model):
    class Channel(models.TextChoices):
        # The Issue source a client's requests get (issues.models.Source).
        HOTLINE = "hotline", _("12345 热线")
        API = "api", _("其他应用")

    township = models.ForeignKey(
        "liaison.Township",
        on_delete=models.PROTECT,
        related_name="open311_clients",
        verbose_name=_("乡镇"),
    )
    name = models.CharField(_("名称"), max_length=64)
    channel = models.CharField(
        _("渠道"), max_length=8, choices=Channel.choices, default=Channel.HOTLINE
    )
    # Only a SHA-256 of the key is kept: keys are 256 random bits, so a fast hash is enough and
    # a stolen table gives no key. The prefix lets the admin tell keys apart.
    key_prefix = models.CharField(_("密钥前缀"), max_length=8, editable=False, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False, null=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 接入方")
        verbose_name_plural = _("Open311 接入方")
        ordering = ["township", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceRequest(models.Model):
    """One POST to requests.json: which client filed it, what it asked for, where."""

    client = models.ForeignKey(
        ApiClient, on_delete=models.PROTECT, related_name="requests", verbose_name=_("接入方")
    )
    issue = models.OneToOneField(
        "issues.Issue",
        on_delete=models.PROTECT,
        related_name="open311_request",
        verbose_name=_("诉求"),
    )
    service_code = models.CharField(_("服务代码"), max_length=32)
    address_string = models.CharField(_("地址"), max_length=128, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 服务请求")
        verbose_name_plural = _("Open311 服务请求")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.client} · #{self.issue_id}"
