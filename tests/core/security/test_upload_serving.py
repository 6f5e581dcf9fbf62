"""Issue #12, finding 10: uploads are never public media. Every upload — a visit photo, an issue
attachment, a roster workbook — is served by a view that loads its owner through the access
policy (404 out of scope) as a download with nosniff and the type sniffed from the content, in
DEBUG too; images are accepted only when they decode."""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, clear_url_caches, resolve, reverse

from core.models import AuditEntry
from core.uploads import check_upload, detect_kind
from households.models import RosterImport
from issues import services as issue_services
from issues.models import Attachment
from liaison.roles import Role
from tests.factories import PairingFactory, TownshipFactory, VillageFactory, WorkGroupFactory
from tests.samples import GIF, JPEG, PNG, WEBP
from visits import services as liaison_services
from visits.models import Visit, VisitPhoto

pytestmark = pytest.mark.django_db

# A script that starts like a GIF: the first bytes of an image, the body of a page.
GIF_SCRIPT = b"GIF89a/*\x00\x00*/=1;alert(document.domain)//<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def scene(make_user):
    """A cadre paired with a household; a cadre of another township."""
    pairing = PairingFactory()
    cadre = make_user(Role.CADRE, workgroup=pairing.cadre.workgroup)
    pairing.cadre = cadre.cadre
    pairing.save()
    other = TownshipFactory()
    stranger = make_user(
        Role.CADRE, workgroup=WorkGroupFactory(village=VillageFactory(township=other))
    )
    return {"household": pairing.household, "cadre": cadre, "stranger": stranger}


def _assert_download(response, content_type):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


# --- no public media, in DEBUG neither ---------------------------------------------------------
def test_media_url_is_not_routed_even_in_debug(settings):
    # given DEBUG, as in `make demo`
    settings.DEBUG = True
    import config.urls

    try:
        # when the URLconf is built
        importlib.reload(config.urls)
        clear_url_caches()
        # then nothing answers under /media/
        with pytest.raises(Resolver404):
            resolve(f"/{settings.MEDIA_URL}roster/2025/01/roster.xlsx", urlconf=config.urls)
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)
        clear_url_caches()


def test_a_stored_workbook_is_not_reachable_by_its_media_path(client, scene):
    # given a roster workbook awaiting confirmation on disk
    roster_import = RosterImport(township=scene["household"].township, file_name="r.xlsx")
    roster_import.file.save("r.xlsx", ContentFile(b"PK\x03\x04 ids"), save=True)
    # when anyone asks for its media URL
    response = client.get(roster_import.file.url)
    # then there is nothing there
    assert response.status_code == 404


# --- images are decoded, not recognised by their first bytes -------------------------------------
@pytest.mark.parametrize(
    ("content", "content_type"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")],
)
def test_real_images_pass_with_their_decoded_type(content, content_type):
    checked = check_upload(SimpleUploadedFile("x.bin", content), kinds={"image"})
    assert (checked.kind, checked.content_type) == ("image", content_type)


@pytest.mark.parametrize(
    "content",
    [
        GIF_SCRIPT,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # a PNG signature and nothing decodable
        b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script></html>",
        PNG[:40],  # a truncated image
    ],
)
def test_a_file_that_only_starts_like_an_image_is_refused(content):
    # given bytes that begin with an image signature but do not decode
    upload = SimpleUploadedFile("photo.gif", content)
    # then the one validator refuses them and says why in Chinese
    with pytest.raises(ValidationError) as caught:
        check_upload(upload, kinds={"image"})
    assert caught.value.code == "upload_type"
    assert detect_kind(upload) is None


def test_every_upload_path_refuses_a_gif_prefixed_script(scene):
    # given the polyglot, offered as a visit photo and as an issue attachment
    visit = Visit.objects.create(cadre=scene["cadre"].cadre, household=scene["household"])
    # then the photo service and the attachment service refuse it (both call core.uploads)
    with pytest.raises(ValidationError):
        liaison_services.visit_attach_photos(
            visit=visit, photos=[SimpleUploadedFile("a.gif", GIF_SCRIPT)]
        )
    with pytest.raises(ValidationError):
        issue_services.attachment_check(SimpleUploadedFile("a.gif", GIF_SCRIPT))
    assert not VisitPhoto.objects.exists()


# --- served through the policy, as a download ----------------------------------------------------
def test_a_visit_photo_is_a_nosniff_download_for_the_policy_only(client, scene):
    # given a photo of the cadre's own visit
    visit = Visit.objects.create(cadre=scene["cadre"].cadre, household=scene["household"])
    (photo,) = liaison_services.visit_attach_photos(
        visit=visit, photos=[SimpleUploadedFile("门口.png", PNG)]
    )
    url = reverse("liaison:visit-photo", args=[visit.pk, photo.pk])
    # when its cadre opens it
    client.force_login(scene["cadre"])
    response = client.get(url)
    # then it is a download with the detected type and nosniff
    _assert_download(response, "image/png")
    assert b"".join(response.streaming_content) == PNG
    # and a cadre of another township gets 404
    client.force_login(scene["stranger"])
    assert client.get(url).status_code == 404


def test_an_attachment_is_served_with_the_sniffed_type_not_the_stored_label(client, scene):
    # given an attachment stored before the fix, labelled as a picture but holding a page
    issue = issue_services.issue_report(
        actor=scene["cadre"], household=scene["household"], description="路灯坏了好几天"
    )
    attachment = Attachment.objects.create(
        issue=issue,
        file=ContentFile(b"<html><script>alert(1)</script></html>", name="x.html"),
        original_name="photo.gif",
        content_type="text/html",
        size=40,
    )
    url = reverse("issues:attachment", args=[attachment.pk])
    # when the reporter opens it
    client.force_login(scene["cadre"])
    response = client.get(url)
    # then it is never served as a page
    assert response.status_code == 200
    assert response["Content-Type"] not in ("text/html", "image/gif")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    # and out of scope it is 404
    client.force_login(scene["stranger"])
    assert client.get(url).status_code == 404


def test_a_pending_roster_workbook_is_served_to_its_importers_only_and_audited(
    client, scene, make_user
):
    # given a workbook awaiting confirmation in the household's township
    township = scene["household"].township
    roster_import = RosterImport(
        township=township, file_name="花名册.xlsx", status=RosterImport.Status.PREVIEWED
    )
    roster_import.file.save("r.xlsx", ContentFile(b"PK\x03\x04 plaintext ids"), save=True)
    url = reverse("households:import-file", args=[roster_import.pk])
    admin = make_user(Role.ADMIN, township=township, workgroup=None)
    other_admin = make_user(Role.ADMIN, township=TownshipFactory(), workgroup=None)
    # when its township's admin downloads it
    client.force_login(admin)
    response = client.get(url)
    # then it is a nosniff download, and the download is audited
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.EXPORT, object_id=str(roster_import.pk)
    ).exists()
    # and an admin of another township gets 404, a cadre is refused
    client.force_login(other_admin)
    assert client.get(url).status_code == 404
    client.force_login(scene["cadre"])
    assert client.get(url).status_code in (403, 404)
