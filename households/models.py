"""Households (户) and their members (Resident). Nothing here is ever hard-deleted."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import identity


class Tag(models.TextChoices):
    """The five kinds of household that must be visited (五必访)."""

    ENTREPRENEUR = "entrepreneur", _("致富能人")
    VETERAN = "veteran", _("老党员老干部")
    VULNERABLE = "vulnerable", _("孤寡弱残")
    HARDSHIP = "hardship", _("生活困难")
    KEY_PERSON = "key_person", _("重点对象")


TAG_BY_LABEL = {str(label): value for value, label in Tag.choices}


class HouseholdQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Household.Status.ACTIVE)

    def with_tag(self, tag: str):
        return self.filter(tags__contains=f",{tag},")


class Household(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("在册")
        MOVED = "moved", _("已迁出")
        CLOSED = "closed", _("已注销")

    class Difficulty(models.TextChoices):
        NONE = "none", _("无")
        LOW_INCOME = "low_income", _("低收入")
        SUBSISTENCE = "subsistence", _("低保")
        EXTREME = "extreme", _("特困")

    township = models.ForeignKey(
        "liaison.Township",
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("乡镇"),
    )
    code = models.CharField(_("户编号"), max_length=32)
    village = models.ForeignKey(
        "liaison.Village",
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("村（社区）"),
    )
    grid = models.CharField(_("网格"), max_length=32, blank=True)
    address = models.CharField(_("详细地址"), max_length=255)
    head_name = models.CharField(_("户主姓名"), max_length=32)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    # The five must-visit tags as ",a,b," so one LIKE finds a tag on every database.
    tags = models.CharField(_("重点类别"), max_length=128, blank=True, default="")
    difficulty = models.CharField(
        _("困难状况"), max_length=16, choices=Difficulty.choices, default=Difficulty.NONE
    )
    note = models.TextField(_("备注"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    status_date = models.DateField(_("状态变更日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["village", "code"]
        constraints = [
            models.UniqueConstraint(fields=["township", "code"], name="household_unique_code")
        ]
        indexes = [
            models.Index(fields=["village", "status"], name="household_village_status"),
            models.Index(fields=["head_name"], name="household_head_name"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.head_name}"

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]

    @property
    def tag_labels(self) -> list[str]:
        labels = dict(Tag.choices)
        return [str(labels.get(t, t)) for t in self.tag_list]

    def set_tags(self, tags) -> None:
        ordered = [t for t in Tag.values if t in set(tags)]
        self.tags = f",{','.join(ordered)}," if ordered else ""

    @property
    def masked_phone(self) -> str:
        return identity.mask_phone(self.phone)


class Resident(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Relation(models.TextChoices):
        HEAD = "head", _("户主")
        SPOUSE = "spouse", _("配偶")
        CHILD = "child", _("子女")
        PARENT = "parent", _("父母")
        GRANDCHILD = "grandchild", _("孙子女")
        SIBLING = "sibling", _("兄弟姐妹")
        OTHER = "other", _("其他")

    class Political(models.TextChoices):
        PARTY_MEMBER = "party_member", _("中共党员")
        PROBATIONARY = "probationary", _("中共预备党员")
        LEAGUE_MEMBER = "league_member", _("共青团员")
        MASSES = "masses", _("群众")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        PRESENT = "present", _("在户")
        MOVED_OUT = "moved_out", _("已迁出")
        DECEASED = "deceased", _("已故")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="residents", verbose_name=_("户")
    )
    name = models.CharField(_("姓名"), max_length=32)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    # The ID number is stored encrypted; a keyed HMAC serves uniqueness and exact lookup and the
    # last four digits serve search and masked display. A dump holds no plaintext number.
    id_number_encrypted = models.TextField(_("身份证号（密文）"), blank=True, editable=False)
    id_number_hmac = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    id_last4 = models.CharField(_("身份证号后四位"), max_length=4, blank=True, db_index=True)
    id_masked = models.CharField(_("身份证号（脱敏）"), max_length=18, blank=True, editable=False)
    relation = models.CharField(
        _("与户主关系"), max_length=16, choices=Relation.choices, default=Relation.OTHER
    )
    is_head = models.BooleanField(_("户主"), default=False)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    political_status = models.CharField(
        _("政治面貌"), max_length=16, choices=Political.choices, default=Political.MASSES
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PRESENT
    )
    status_date = models.DateField(_("状态变更日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        ordering = ["household", "-is_head", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hmac"],
                condition=~Q(id_number_hmac=""),
                name="resident_unique_id_number",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def set_id_number(self, value: str) -> None:
        """Validate, then store encrypted with its HMAC, last four digits, birth date and gender."""
        parsed = identity.parse_id_number(value)
        self.id_number_encrypted = identity.encrypt(parsed.number)
        self.id_number_hmac = identity.blind_index(parsed.number)
        self.id_last4 = parsed.last4
        self.id_masked = identity.mask_id_number(parsed.number)
        self.birth_date = parsed.birth_date
        self.gender = parsed.gender

    @property
    def id_number(self) -> str:
        return identity.decrypt(self.id_number_encrypted)

    @property
    def masked_id_number(self) -> str:
        return self.id_masked

    @property
    def masked_phone(self) -> str:
        return identity.mask_phone(self.phone)

    @property
    def is_party_member(self) -> bool:
        return self.political_status in {
            self.Political.PARTY_MEMBER,
            self.Political.PROBATIONARY,
        }


class HelpRecordQuerySet(models.QuerySet):
    def valid(self):
        """Records that count as help given: not voided."""
        return self.filter(voided_at__isnull=True)


class HelpRecord(models.Model):
    """A piece of paired help (结对帮扶): who helped the household, with what, when, how much."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="help_records", verbose_name=_("户")
    )
    cadre = models.ForeignKey(
        "liaison.Cadre",
        on_delete=models.PROTECT,
        related_name="help_records",
        verbose_name=_("帮扶干部"),
        null=True,
        blank=True,
    )
    helper_name = models.CharField(_("帮扶人"), max_length=64, blank=True)
    content = models.CharField(_("帮扶内容"), max_length=255)
    helped_on = models.DateField(_("帮扶日期"))
    amount = models.DecimalField(
        _("金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
        null=True,
        blank=True,
    )
    # A wrong entry is voided, never deleted: it stays on the household page, struck through,
    # and no longer counts as help given.
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("作废人"),
        null=True,
        blank=True,
    )
    void_reason = models.CharField(_("作废原因"), max_length=255, blank=True)

    objects = HelpRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("帮扶记录")
        verbose_name_plural = _("帮扶记录")
        ordering = ["-helped_on", "-id"]

    def __str__(self) -> str:
        return f"{self.helped_on} {self.content}"

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class RosterImport(models.Model):
    """One roster workbook upload: its preview, its import and what it changed, row by row.

    Bulk writes fire no signals, so this record (plus one audit entry) is the import's history.
    """

    class Status(models.TextChoices):
        PREVIEWING = "previewing", _("校验中")
        PREVIEWED = "previewed", _("待确认")
        INVALID = "invalid", _("有错误")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    township = models.ForeignKey(
        "liaison.Township", on_delete=models.PROTECT, related_name="+", verbose_name=_("乡镇")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    file = models.FileField(_("文件"), upload_to="roster/%Y/%m/", blank=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_sha256 = models.CharField(_("文件哈希"), max_length=64, db_index=True)
    file_size = models.PositiveIntegerField(_("文件大小"), default=0)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PREVIEWING
    )
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    # Imports before the RosterImportChange table kept their row changes here.
    changes = models.JSONField(_("逐行变更"), default=list, blank=True)
    missing_pairings = models.PositiveIntegerField(_("文件中没有的现有结对"), default=0)
    end_missing_pairings = models.BooleanField(_("结束文件中没有的结对"), default=False)
    # The number of pairings the importer typed (or saw) when asking to end them: the import
    # ends them only if exactly that many are missing when it runs (households.roster.guards).
    end_pairings_confirmed = models.PositiveIntegerField(
        _("确认结束的结对数"), null=True, blank=True
    )
    # What the preview shows beyond counts: member moves, renames, pairings that would end.
    preview = models.JSONField(_("预览明细"), default=dict, blank=True)
    message = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("花名册导入")
        verbose_name_plural = _("花名册导入")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_busy(self) -> bool:
        return self.status in {self.Status.PREVIEWING, self.Status.QUEUED, self.Status.RUNNING}


class RosterImportChange(models.Model):
    """One row an import created, updated or ended: the import's own history, one row each.

    Written in batches while the import runs (inside its transaction), so a roster of any size
    keeps every change and none is held in memory. Imports made before this table existed
    keep theirs in `RosterImport.changes`.
    """

    class Action(models.TextChoices):
        NEW = "new", _("新增")
        UPDATED = "updated", _("更新")
        MOVED = "moved", _("迁移")
        ENDED = "ended", _("结束")

    # A 100,000-household import writes half a million of these rows: no database constraint
    # (PostgreSQL would check each one at commit; the import itself is never deleted) and no
    # index of its own (the (import, sheet, action) index below starts with it).
    roster_import = models.ForeignKey(
        RosterImport,
        on_delete=models.CASCADE,
        related_name="change_rows",
        verbose_name=_("花名册导入"),
        db_constraint=False,
        db_index=False,
    )
    sheet = models.CharField(_("工作表"), max_length=8)
    row = models.PositiveIntegerField(_("行"), null=True, blank=True)
    action = models.CharField(_("变更"), max_length=8, choices=Action.choices)
    key = models.CharField(_("记录"), max_length=64)
    fields = models.JSONField(_("字段"), default=dict, blank=True)

    class Meta:
        verbose_name = _("导入变更")
        verbose_name_plural = _("导入变更")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["roster_import", "sheet", "action"], name="rosterchange_import_sheet"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sheet} {self.row} {self.key} {self.action}"


from .models_cards import ContactCardRun  # noqa: E402, F401
