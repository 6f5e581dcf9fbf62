"""A work group's contact cards (issue 15, item 9): pages with a link to every page instead of a
silent cap at 400, a constant number of queries, a QR code cheap to draw, a reprint of the
whole group."""

import re

import pytest
import qrcode
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from households.card_qr import codewords, qr_matrix, qr_svg, version_for
from households.models import Household
from households.models_cards import ContactCardRun
from households.views import cards
from liaison.models import Pairing
from liaison.roles import Role
from tests.factories import CadreFactory

pytestmark = pytest.mark.django_db


def _households(township, n: int, *, village_name="东村"):
    village = township.villages.get(name=village_name)
    households = Household.objects.bulk_create(
        Household(
            township=township, village=village, code=f"{village.pk}-{i:04d}", head_name=f"户主{i}"
        )
        for i in range(n)
    )
    cadre = CadreFactory(township=township, workgroup=village.workgroups.get(), name="王干部")
    Pairing.objects.bulk_create(
        Pairing(cadre=cadre, household=h, start_date="2025-01-01") for h in households
    )
    return village.workgroups.get()


@pytest.fixture
def admin(make_user, township):
    return make_user(Role.ADMIN, township=township, workgroup=None)


def _codes(page: str) -> list[str]:
    return re.findall(r"（(\d+-\d{4})）", page)


def test_a_group_larger_than_a_page_is_paged_with_a_link_to_every_page(client, admin, township):
    # given a work group of 410 households (the old batch stopped silently at 400)
    workgroup = _households(township, 410)
    client.force_login(admin)
    url = reverse("households:workgroup-cards", args=[workgroup.pk])

    # when the admin opens the cards, then every page in turn
    first = client.get(url).content.decode()
    pages = [client.get(url, {"page": n}).content.decode() for n in range(1, 6)]

    # then the first page says where it is and links every page
    assert first.count('data-testid="card"') == cards.PAGE_SIZE
    assert "共 410 张" in first and "第 1/5 页（第 1–100 张）" in first
    for n in range(1, 6):
        assert f'href="?page={n}"' in first
    # and the pages together hold every household once
    codes = [code for page in pages for code in _codes(page)]
    assert len(codes) == 410 and len(set(codes)) == 410
    assert pages[-1].count('data-testid="card"') == 10 and "第 5/5 页（第 401–410 张）" in pages[-1]


def test_a_bad_page_number_shows_a_page_not_an_error(client, admin, township):
    workgroup = _households(township, 120)
    client.force_login(admin)
    url = reverse("households:workgroup-cards", args=[workgroup.pk])

    assert "第 1/2 页" in client.get(url, {"page": "x"}).content.decode()
    assert "第 2/2 页" in client.get(url, {"page": "99"}).content.decode()


def test_a_group_within_one_page_has_no_page_links(client, admin, township):
    workgroup = _households(township, 3)
    client.force_login(admin)
    page = client.get(reverse("households:workgroup-cards", args=[workgroup.pk])).content.decode()
    assert page.count('data-testid="card"') == 3 and "共 3 张" in page
    assert 'data-testid="card-pages"' not in page


def test_the_query_count_does_not_grow_with_the_number_of_cards(client, admin, township):
    client.force_login(admin)
    counts = []
    for village_name, n in (("东村", 3), ("西村", 60)):
        workgroup = _households(township, n, village_name=village_name)
        url = reverse("households:workgroup-cards", args=[workgroup.pk])
        client.get(url)  # the session and the first-request caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_page_of_100_cards_is_light(client, admin, township):
    # the old page of 400 cards weighed 8 MB, mostly the QR codes' SVG
    workgroup = _households(township, 100)
    client.force_login(admin)
    page = client.get(reverse("households:workgroup-cards", args=[workgroup.pk])).content
    assert len(page) < 1_000_000


def _drawn(svg: str) -> list[list[bool]]:
    """The dark modules of qr_svg's path, back as a matrix."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    matrix = [[False] * size for _ in range(size)]
    x = y = 0
    for command, a, b in re.findall(r"([Mmh])(\d+(?:\.5)?)(?: (\d+(?:\.5)?))?", svg):
        if command == "M":
            x, y = int(a), int(float(b))
        elif command == "m":
            x += int(a)
        else:
            for i in range(int(a)):
                matrix[y][x + i] = True
            x += int(a)
    return matrix


@pytest.mark.parametrize("length", [10, 60, 105, 150, 300])
def test_the_codewords_are_qrcode_s_own(length):
    # the table-driven Reed–Solomon gives what qrcode computes, in one and several blocks
    data = bytes((i * 37 + length) % 256 for i in range(length))
    version = version_for(length)
    expected = qrcode.util.create_data(
        version, qrcode.constants.ERROR_CORRECT_M, [qrcode.util.QRData(data, mode=4)]
    )
    assert codewords(data, version) == expected


def test_the_qr_code_draws_every_module_of_qrcode_s_code():
    url = "https://lianxin.example.cn/issues/report/eyJoIjoxLCJyIjowfQ:1uX:abcdefghijklmnopq/"
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=1, mask_pattern=0
    )
    code.add_data(qrcode.util.QRData(url.encode(), mode=4))
    code.make(fit=True)

    svg = qr_svg(url)

    assert qr_matrix(url) == code.get_matrix()
    assert _drawn(svg) == code.get_matrix()
    assert len(svg) < 8000


def test_a_reprint_covers_the_whole_group_not_one_page(client, admin, township):
    workgroup = _households(township, 410)
    client.force_login(admin)

    response = client.post(reverse("households:workgroup-cards-reprint", args=[workgroup.pk]))

    assert response.status_code == 302
    assert ContactCardRun.objects.filter(number=1).count() == 410
    page = client.get(reverse("households:workgroup-cards", args=[workgroup.pk])).content.decode()
    assert "第 1 批" in page
