"""Benchmark a work group's contact cards (联系卡) at 500 households (not a test).

    createdb -h 127.0.0.1 -U postgres bench_exports
    DJANGO_SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_exports \\
        .venv/bin/python bench/contact_cards.py [--households 500] [--repeat 3]

Builds one work group of N paired households (idempotent), then, in the same process and run,
times as the township's admin with Django's test Client:
  - the paged cards: every page of 100 (households:workgroup-cards?page=n), the QR codes drawn
    from scratch (the in-process caches cleared), then again with them warm;
  - the plainest way: a bare template loop over the same households (the same query, one line
    of text a card, no QR code), rendered by the same template engine;
  - the QR drawing of before (qrcode.make with its SvgPathImage, every mask scored) for the same
    links, which was most of the old 9–29 s;
and prints CPU seconds of this process (the machine may be shared), the query count of a page and
the 1-minute load average beside each figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_exports")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

BARE = (
    "{% for h in households %}<section>{{ h.head_name }}（{{ h.code }}）{{ h.village.name }} "
    "{{ h.address }} {{ h.cadre_name|default:'—' }} {{ h.cadre_phone|default:'—' }} "
    "{{ h.township.service_phone }}</section>{% endfor %}"
)


def plain_static() -> None:
    """Pages link static files by plain names (no collectstatic manifest needed to bench)."""
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def build(n: int):
    """The township, one village and work group, a cadre and n paired households; returns
    (admin user, work group). Reuses what an earlier run built."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from households.models import Household
    from liaison.models import Cadre, Pairing, Township, Village, WorkGroup

    User = get_user_model()  # noqa: N806
    code = f"cards-{n}"
    township = Township.objects.filter(code=code).first()
    if township is None:
        township = Township.objects.create(name="卡片乡", code=code, service_phone="010-88886666")
        village = Village.objects.create(township=township, name="东村", code="E")
        workgroup = WorkGroup.objects.create(township=township, village=village, name="东村工作组")
        admin = User.objects.create_user(username=f"bench-cards-admin-{n}", password="x-Bench-1")
        admin.groups.add(Group.objects.get(name="admin"))
        Cadre.objects.create(user=admin, township=township, name="管理员", phone="13900000000")
        cadre_user = User.objects.create_user(username=f"bench-cards-cadre-{n}")
        cadre = Cadre.objects.create(
            user=cadre_user, township=township, workgroup=workgroup, name="王干部",
            phone="13900000001",
        )  # fmt: skip
        households = Household.objects.bulk_create(
            Household(township=township, village=village, code=f"E{k:05d}",
                      address=f"幸福路{k}号", head_name=f"户主{k}", phone=f"138{k:08d}")
            for k in range(n)
        )  # fmt: skip
        Pairing.objects.bulk_create(
            Pairing(cadre=cadre, household=h, start_date=dt.date(2024, 1, 1)) for h in households
        )
    admin = User.objects.get(username=f"bench-cards-admin-{n}")
    return admin, WorkGroup.objects.get(township=township)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    plain_static()
    import qrcode
    import qrcode.image.svg
    from django.core.management import call_command
    from django.db import connection
    from django.template import engines
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from households import card_qr, contact_cards, selectors
    from households.access import households_visible_to
    from households.views.cards import PAGE_SIZE, report_url

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    admin, workgroup = build(args.households)
    client = Client()
    client.force_login(admin)
    url = reverse("households:workgroup-cards", args=[workgroup.pk])
    pages = -(-args.households // PAGE_SIZE)
    client.get(url)  # the session, the URL resolver, the templates

    def all_pages() -> tuple[float, float, int, int]:
        start, cpu = time.perf_counter(), time.process_time()
        cards = size = 0
        for n in range(1, pages + 1):
            body = client.get(url, {"page": n}).content
            cards += body.count(b'data-testid="card"')
            size += len(body)
        return time.perf_counter() - start, time.process_time() - cpu, cards, size

    print(f"{args.households} households, {pages} pages of {PAGE_SIZE}; load average {load()}")
    cold, cold_cpu, warm, warm_cpu = [], [], [], []
    for _ in range(args.repeat):
        card_qr.qr_svg.cache_clear()
        contact_cards._signed_token.cache_clear()
        seconds, cpu, cards, size = all_pages()
        cold.append(seconds)
        cold_cpu.append(cpu)
        seconds, cpu, _cards, _size = all_pages()
        warm.append(seconds)
        warm_cpu.append(cpu)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"page": 2})
    print(
        f"paged cards, QR drawn afresh : {statistics.median(cold):6.3f} s "
        f"(CPU {statistics.median(cold_cpu):.3f} s) for {cards} cards "
        f"({size / 1e6:.1f} MB over {pages} pages, {len(queries)} queries a page); "
        f"load {load()}"
    )
    print(
        f"paged cards, QR cached       : {statistics.median(warm):6.3f} s "
        f"(CPU {statistics.median(warm_cpu):.3f} s); load {load()}"
    )

    template = engines["django"].from_string(BARE)
    bare, bare_cpu = [], []
    for _ in range(args.repeat):
        start, cpu = time.perf_counter(), time.process_time()
        scope = households_visible_to(admin).filter(village__workgroups=workgroup)
        households = list(selectors.contact_card_households(scope))
        template.render({"households": households})
        bare.append(time.perf_counter() - start)
        bare_cpu.append(time.process_time() - cpu)
    print(
        f"bare template loop           : {statistics.median(bare):6.3f} s "
        f"(CPU {statistics.median(bare_cpu):.3f} s); load {load()}"
    )

    request = client.get(url).wsgi_request
    links = [report_url(request, h) for h in households]
    start, cpu = time.perf_counter(), time.process_time()
    for link in links:
        qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=1)
    before, before_cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"QR codes drawn as before     : {before:6.3f} s (CPU {before_cpu:.3f} s) "
        f"for {len(links)}; load {load()}"
    )


if __name__ == "__main__":
    main()
