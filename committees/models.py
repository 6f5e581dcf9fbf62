"""The five specialised committees (专门委员会) and the district departments (区级部门)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Committee(models.Model):
    class Code(models.TextChoices):
        PARTY_MASSES = "party_masses", _("党群工作")
        SOCIAL_GOVERNANCE = "social_governance", _("社会治理")
        URBAN_PLANNING = "urban_planning", _("城建规划")
        LIVELIHOOD_CULTURE = "livelihood_culture", _("民生文化")
        ECONOMIC_DEVELOPMENT = "economic_development", _("经济发展")

    township = models.ForeignKey(
        "liaison.Township",
        on_delete=models.PROTECT,
        related_name="committees",
        verbose_name=_("乡镇"),
    )
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    description = models.TextField(_("职责"), blank=True)
    keywords = models.TextField(
        _("分派关键词"), blank=True, help_text=_("用顿号或逗号分隔；用于建议分派到本委员会。")
    )
    members = models.ManyToManyField(
        "liaison.Cadre",
        through="CommitteeMembership",
        related_name="committees",
        verbose_name=_("成员"),
        blank=True,
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("专门委员会")
        verbose_name_plural = _("专门委员会")
        ordering = ["township", "id"]
        constraints = [
            models.UniqueConstraint(fields=["township", "code"], name="committee_unique_code")
        ]

    def __str__(self) -> str:
        return self.name


class CommitteeMembership(models.Model):
    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("委员会")
    )
    cadre = models.ForeignKey(
        "liaison.Cadre",
        on_delete=models.CASCADE,
        related_name="committee_memberships",
        verbose_name=_("成员"),
    )
    is_head = models.BooleanField(_("负责人"), default=False)

    class Meta:
        verbose_name = _("委员会成员")
        verbose_name_plural = _("委员会成员")
        constraints = [
            models.UniqueConstraint(fields=["committee", "cadre"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.committee} · {self.cadre}"


class Department(models.Model):
    """A district unit (区级部门) that issues can be reported up to ("吹哨报到")."""

    district = models.CharField(_("所属区县"), max_length=64, blank=True)
    name = models.CharField(_("名称"), max_length=64, unique=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    liaisons = models.ManyToManyField(
        "liaison.Cadre", related_name="departments", verbose_name=_("联络员"), blank=True
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("区级部门")
        verbose_name_plural = _("区级部门")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
