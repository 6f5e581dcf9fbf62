"""Print runs of a household's contact card (联系卡): the QR link of a card names its run, so a
new print run retires the links of the old cards after a grace period."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ContactCardRun(models.Model):
    """Run 0 is the card printed before any run was recorded (no row); each reprint adds one.

    A link of run r stays valid while r is the household's latest run, and for
    CONTACT_CARD_OLD_LINK_DAYS after run r + 1 was printed."""

    household = models.ForeignKey(
        "households.Household",
        on_delete=models.CASCADE,
        related_name="card_runs",
        verbose_name=_("住户"),
    )
    number = models.PositiveIntegerField(_("批次"))
    printed_at = models.DateTimeField(_("印制时间"), default=timezone.now)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("印制人"),
    )

    class Meta:
        verbose_name = _("联系卡印制批次")
        verbose_name_plural = _("联系卡印制批次")
        constraints = [
            models.UniqueConstraint(fields=["household", "number"], name="card_run_unique_number")
        ]
        ordering = ["household", "number"]

    def __str__(self) -> str:
        return f"{self.household_id} #{self.number}"
