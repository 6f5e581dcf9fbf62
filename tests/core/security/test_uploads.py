"""Uploads are checked by size and by their real type (content; images decoded), never by the name."""

import zipfile
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.uploads import detect_kind, validate_upload
from core.xlsx import write_workbook
from tests.samples import JPEG, PNG, WEBP  # real images: an image must decode


def xlsx_bytes() -> bytes:
    out = BytesIO()
    write_workbook(out, [("花名册", ["姓名"], [["张三"]])])
    return out.getvalue()


def zip_bytes(names: list[str]) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
HTML = b"<html><script>alert(1)</script></html>"
CSV_GBK = "姓名,电话\n张三,13800000000\n".encode("gb18030")


@pytest.mark.parametrize(
    ("name", "content", "kinds", "expected"),
    [
        ("photo.jpg", JPEG, {"image"}, "image"),
        ("photo.png", PNG, {"image"}, "image"),
        ("photo.webp", WEBP, {"image"}, "image"),
        ("scan.pdf", PDF, {"image", "pdf"}, "pdf"),
        ("roster.xlsx", None, {"xlsx"}, "xlsx"),  # a real workbook, filled in below
        ("名单.csv", CSV_GBK, {"csv", "xlsx"}, "csv"),
        ("no-extension", PNG, {"image"}, "image"),  # the name does not matter
        ("photo.jpg", PDF, {"image"}, "upload_type"),  # a PDF named .jpg
        ("virus.jpg", EXE, {"image", "pdf"}, "upload_type"),  # a program renamed .jpg
        ("roster.xlsx", EXE, {"xlsx"}, "upload_type"),
        ("roster.xlsx", b"PK\x03\x04 broken zip", {"xlsx"}, "upload_type"),
        ("roster.xlsx", "docx", {"xlsx"}, "upload_type"),  # a Word file renamed .xlsx
        ("roster.xlsx", "zip", {"xlsx"}, "upload_type"),  # any zip is not a workbook
        ("page.pdf", HTML, {"pdf"}, "upload_type"),
        ("empty.png", b"", {"image"}, "upload_empty"),
    ],
)
def test_validate_upload_by_real_type(name, content, kinds, expected):
    if content is None:
        content = xlsx_bytes()
    elif content == "docx":
        content = zip_bytes(["[Content_Types].xml", "word/document.xml"])
    elif content == "zip":
        content = zip_bytes(["readme.txt"])
    upload = SimpleUploadedFile(name, content)
    if expected.startswith("upload_"):
        with pytest.raises(ValidationError) as caught:
            validate_upload(upload, kinds=kinds)
        assert caught.value.code == expected
        assert caught.value.messages[0]  # a Chinese sentence for the form
    else:
        assert validate_upload(upload, kinds=kinds) == expected
    assert upload.tell() == 0  # the caller can still read the file


def test_size_limit():
    upload = SimpleUploadedFile("big.png", PNG + b"\x00" * 2048)
    with pytest.raises(ValidationError) as caught:
        validate_upload(upload, kinds={"image"}, max_bytes=1024)
    assert caught.value.code == "upload_too_large"
    assert "文件过大" in caught.value.messages[0]
    assert "1.0\xa0KB" in caught.value.messages[0]  # the limit, in Django's size format


def test_the_type_message_names_the_accepted_kinds_in_chinese():
    with pytest.raises(ValidationError) as caught:
        validate_upload(SimpleUploadedFile("a.jpg", EXE), kinds={"image", "pdf"})
    assert "只接受" in caught.value.messages[0]
    assert "PDF" in caught.value.messages[0]


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        validate_upload(SimpleUploadedFile("a.png", PNG), kinds={"exe"})


def test_detect_kind_keeps_the_file_position():
    stream = BytesIO(b"\x00\x01" + PDF)
    stream.seek(2)
    assert detect_kind(stream) is None  # the type is read from the start of the file
    assert stream.tell() == 2
    assert detect_kind(BytesIO(PDF)) == "pdf"
