"""One validator for every upload: real type from the content (never the file name), size, and
for archives their uncompressed size.

    from core.uploads import check_upload, validate_upload
    kind = validate_upload(request.FILES["photo"], kinds={"image"}, max_bytes=5 * 1024 * 1024)
    checked = check_upload(upload, kinds={"image", "pdf"})  # .kind, .content_type

Every door that stores a file goes through here: visit photos (visits.services), issue
attachments (issues.services), roster workbooks (the import page; the reader checks the archive
bounds again for the CLI and the Celery task). Images are decoded with Pillow, not recognised
by their first bytes: "GIF89a<script>…" is not a GIF. Raises
django.core.exceptions.ValidationError with a Chinese message and a code; the file position is
restored, so the caller can read the file afterwards.
"""

from __future__ import annotations

import codecs
import warnings
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
KIND_LABELS = {
    "image": "图片（JPEG/PNG/GIF/WebP）",
    "pdf": "PDF",
    "xlsx": "Excel（.xlsx）",
    "docx": "Word（.docx）",
    "ole": "Office 97–2003 文档（.doc/.xls）",
    "csv": "CSV 文本",
}
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "ole": "application/x-ole-storage",
    "csv": "text/csv",
}
IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEAD_BYTES = 8192
# A photo of 40 megapixels is the most a phone takes; a "PNG" of 100,000 × 100,000 is a bomb.
MAX_IMAGE_PIXELS = 40_000_000


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    content_type: str


def check_upload(
    file,
    *,
    kinds: set[str] | frozenset[str] = frozenset({"image", "pdf"}),
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_uncompressed_bytes: int | None = None,
    max_compression_ratio: float | None = None,
) -> CheckedUpload:
    """The kind and the content type of an acceptable upload, or a ValidationError.

    max_uncompressed_bytes / max_compression_ratio bound a zip container (.xlsx, .docx) before
    anything parses it (see check_archive_bounds)."""
    unknown = set(kinds) - KIND_LABELS.keys()
    if unknown:
        raise ValueError(f"unknown upload kinds: {sorted(unknown)}")
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        size = file.seek(0, 2)
        file.seek(position)
    if not size:
        raise ValidationError(_("上传的文件是空的。"), code="upload_empty")
    if size > max_bytes:
        raise ValidationError(
            _("文件过大（%(size)s），最大允许 %(max)s。"),
            code="upload_too_large",
            params={"size": filesizeformat(size), "max": filesizeformat(max_bytes)},
        )
    kind = detect_kind(file)
    if kind not in kinds:
        allowed = "、".join(KIND_LABELS[k] for k in sorted(kinds))
        raise ValidationError(
            _("文件类型不符：只接受 %(allowed)s。请不要只修改文件扩展名。"),
            code="upload_type",
            params={"allowed": allowed},
        )
    if kind in ("xlsx", "docx") and (max_uncompressed_bytes or max_compression_ratio):
        check_archive_bounds(
            file,
            max_uncompressed_bytes=max_uncompressed_bytes,
            max_compression_ratio=max_compression_ratio,
        )
    content_type = _image_type(file) if kind == "image" else CONTENT_TYPES[kind]
    return CheckedUpload(kind=kind, content_type=content_type)


def validate_upload(file, **limits) -> str:
    """The detected kind ("image", "pdf", "xlsx", "docx", "ole", "csv"); see check_upload."""
    return check_upload(file, **limits).kind


def detect_kind(file) -> str | None:
    """The real type of a file from its content; an image only if it decodes."""
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        head = file.read(HEAD_BYTES)
        if head.startswith(IMAGE_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
            return "image" if _image_type(file) else None
        if head.startswith(b"%PDF-"):
            return "pdf"
        if head.startswith(b"PK\x03\x04"):
            return _office_kind(file)
        if head.startswith(OLE_SIGNATURE):
            return "ole"
        if _is_text(head):
            return "csv"
        return None
    finally:
        file.seek(position)


def served_content_type(file) -> str:
    """The content type to serve a stored upload with, sniffed again from its content (the
    stored label of an old upload is not trusted); unknown content is a plain download."""
    position = file.tell()
    try:
        file.seek(0)
        head = file.read(HEAD_BYTES)
        if head.startswith(IMAGE_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
            # the header is enough here: the pixels were decoded when the file was accepted
            file.seek(0)
            with Image.open(file) as image:
                return IMAGE_TYPES.get(image.format or "", "application/octet-stream")
        kind = detect_kind(file)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        return "application/octet-stream"
    finally:
        file.seek(position)
    return CONTENT_TYPES.get(kind or "", "application/octet-stream")


def check_archive_bounds(
    file,
    *,
    max_uncompressed_bytes: int | None,
    max_compression_ratio: float | None,
) -> None:
    """Refuse a zip container (a workbook is one) whose members would inflate past the bounds.

    Reads only the central directory — the sizes the archive declares — so a zip bomb costs
    nothing. A lying directory does not get further: zipfile stops reading a member at its
    declared size (and fails its CRC). Raises ValidationError(code="upload_archive_bomb")."""
    position = file.tell()
    try:
        compressed = file.seek(0, 2)
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            raise ValidationError(
                _("文件不是有效的压缩文档（.xlsx/.docx），请重新保存后上传。"),
                code="upload_type",
            ) from None
    finally:
        file.seek(position)
    uncompressed = sum(info.file_size for info in infos)
    ratio = uncompressed / max(compressed, 1)
    too_big = max_uncompressed_bytes is not None and uncompressed > max_uncompressed_bytes
    too_dense = max_compression_ratio is not None and ratio > max_compression_ratio
    if too_big or too_dense:
        raise ValidationError(
            _(
                "文件解压后过大（%(size)s，压缩比 %(ratio)d:1），超过上限"
                "（%(max)s，压缩比 %(max_ratio)d:1），已拒绝，未做任何解析。"
                "请确认文件来源；正常的花名册请按村拆分后分批上传。"
            ),
            code="upload_archive_bomb",
            params={
                "size": filesizeformat(uncompressed),
                "ratio": int(ratio),
                "max": filesizeformat(max_uncompressed_bytes) if max_uncompressed_bytes else "—",
                "max_ratio": int(max_compression_ratio or 0),
            },
        )


def _image_type(file) -> str | None:
    """The image's content type if Pillow decodes the whole image, else None."""
    position = file.tell()
    try:
        file.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                content_type = IMAGE_TYPES.get(image.format or "")
                if content_type is None:
                    return None
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    return None
                image.verify()  # structure and checksums
            file.seek(0)
            with Image.open(file) as image:
                image.load()  # the pixels themselves
        return content_type
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ):
        return None
    finally:
        file.seek(position)


def _office_kind(file) -> str | None:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return None


CONTROL_BYTES = bytes(set(range(32)) - {9, 10, 12, 13})


def _is_text(head: bytes) -> bool:
    """Plain text (UTF-8 or GB18030, the encodings of Chinese spreadsheets' CSV)."""
    if any(b in CONTROL_BYTES for b in head):
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            # incremental: a character cut at the end of the head is not an error
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return True
    return False
