"""One validator for every upload: real type by magic bytes (never the file name) and size.

    from liaison.uploads import validate_upload
    kind = validate_upload(request.FILES["photo"], kinds={"image"}, max_bytes=5 * 1024 * 1024)

Raises django.core.exceptions.ValidationError with a Chinese message; returns the detected kind
("image", "pdf", "xlsx", "docx", "csv"). Use it in a form's clean_<field>() or a serializer's
validate_<field>(). The file position is restored, so the caller can read the file afterwards.
"""

from __future__ import annotations

import codecs
import zipfile

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
KIND_LABELS = {
    "image": "图片（JPEG/PNG/GIF/WebP）",
    "pdf": "PDF",
    "xlsx": "Excel（.xlsx）",
    "docx": "Word（.docx）",
    "csv": "CSV 文本",
}
IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")
HEAD_BYTES = 8192


def validate_upload(
    file,
    *,
    kinds: set[str] | frozenset[str] = frozenset({"image", "pdf"}),
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> str:
    unknown = set(kinds) - KIND_LABELS.keys()
    if unknown:
        raise ValueError(f"unknown upload kinds: {sorted(unknown)}")
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    if not size:
        raise ValidationError("上传的文件是空的。", code="upload_empty")
    if size > max_bytes:
        raise ValidationError(
            "文件过大（%(size)s），最大允许 %(max)s。",
            code="upload_too_large",
            params={"size": filesizeformat(size), "max": filesizeformat(max_bytes)},
        )
    kind = detect_kind(file)
    if kind not in kinds:
        allowed = "、".join(KIND_LABELS[k] for k in sorted(kinds))
        raise ValidationError(
            "文件类型不符：只接受 %(allowed)s。请不要只修改文件扩展名。",
            code="upload_type",
            params={"allowed": allowed},
        )
    return kind


def detect_kind(file) -> str | None:
    """The real type of a file from its content."""
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        head = file.read(HEAD_BYTES)
        if head.startswith(IMAGE_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
            return "image"
        if head.startswith(b"%PDF-"):
            return "pdf"
        if head.startswith(b"PK\x03\x04"):
            return _office_kind(file)
        if _is_text(head):
            return "csv"
        return None
    finally:
        file.seek(position)


def _office_kind(file) -> str | None:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
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
