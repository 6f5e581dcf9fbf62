"""The English translation: every message in locale/en is translated (none empty, none fuzzy),
the committed .mo matches the .po, and the navigation reads in English once English is chosen.

The .po is read by a small parser of its own: polib is not a project dependency, and msgfmt
(gettext) may be missing where the tests run."""

import ast
import gettext
import html
import re
from pathlib import Path

import pytest
from django.urls import reverse

from liaison.roles import Role

LC_MESSAGES = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file as dicts: msgctxt, msgid, msgid_plural, msgstr (singular) or
    msgstr[N], and flags. Obsolete (#~) entries are left out; the header entry is kept."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    key = None

    def finish():
        nonlocal entry, key
        if "msgid" in entry:
            entries.append(entry)
        entry, key = {"flags": set()}, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            if "msgid" in entry:
                finish()
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert key is not None, f"continuation line without a keyword: {raw!r}"
            entry[key] += ast.literal_eval(line)
        else:
            keyword, _, rest = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and "msgid" in entry and key != "msgctxt":
                finish()
            key = keyword
            entry[key] = ast.literal_eval(rest)
    finish()
    return entries


def messages() -> list[dict]:
    return [e for e in parse_po(PO) if e["msgid"]]  # the header has an empty msgid


def label(entry: dict) -> str:
    return (entry.get("msgctxt", "") + "|" if "msgctxt" in entry else "") + entry["msgid"]


def test_the_po_file_has_messages():
    assert len(messages()) > 100


def test_every_english_message_is_translated():
    untranslated = []
    for entry in messages():
        if "msgid_plural" in entry:
            forms = [v for k, v in entry.items() if k.startswith("msgstr[")]
            if len(forms) < 2 or not all(forms):
                untranslated.append(label(entry))
        elif not entry.get("msgstr"):
            untranslated.append(label(entry))
    assert untranslated == [], f"{len(untranslated)} untranslated: {untranslated[:20]}"


def test_no_english_message_is_fuzzy():
    """Django ignores fuzzy entries, so a fuzzy translation shows the Chinese source."""
    fuzzy = [label(e) for e in messages() if "fuzzy" in e["flags"]]
    assert fuzzy == [], f"{len(fuzzy)} fuzzy: {fuzzy[:20]}"


def test_translations_keep_their_placeholders():
    placeholder = re.compile(r"%\(\w+\)|%%|\{\{\s*\w+\s*\}\}")
    wrong = []
    for entry in messages():
        wanted = sorted(placeholder.findall(entry["msgid"]))
        for key, value in entry.items():
            if key.startswith("msgstr") and sorted(placeholder.findall(value)) != wanted:
                # Every form (singular and plural alike) keeps every placeholder, by name.
                wrong.append((label(entry), value))
    assert wrong == []


def test_the_compiled_mo_matches_the_po():
    """The .mo is committed; a .po edited without compilemessages leaves the UI in Chinese."""
    with MO.open("rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog
    stale = []
    for entry in messages():
        key = (entry["msgctxt"] + "\x04" if "msgctxt" in entry else "") + entry["msgid"]
        if "msgid_plural" in entry:
            for k, v in entry.items():
                if k.startswith("msgstr[") and catalog.get((key, int(k[7:-1]))) != v:
                    stale.append(label(entry))
        elif catalog.get(key) != entry["msgstr"]:
            stale.append(label(entry))
    assert stale == [], f"run compilemessages: {len(stale)} stale, e.g. {stale[:10]}"


# ---- rendering in English -------------------------------------------------------------------


def visible_text(fragment: str) -> str:
    fragment = re.sub(r"(?is)<(script|style|select)\b.*?</\1>", " ", fragment)
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", fragment))


def navbar_text(body: str) -> str:
    match = re.search(r'(?is)<nav\b[^>]*class="[^"]*\bnavbar\b[^"]*"[^>]*>.*?</nav>', body)
    assert match, "no navbar on the page"
    return visible_text(match.group(0))


def choose_english(client, next_url: str = "/") -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": next_url})
    assert response.status_code == 302


@pytest.mark.django_db
def test_login_page_in_english_has_no_chinese(client):
    choose_english(client, reverse("login"))
    body = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in body
    title = re.search(r"(?is)<title>(.*?)</title>", body).group(1)
    main = re.search(r"(?is)<main\b.*?</main>", body).group(0)
    for text in (html.unescape(title), visible_text(main)):
        assert not HAN.search(text), HAN.findall(text)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_navbar_in_english_has_no_chinese(client, make_user, role):
    user = make_user(role)
    client.force_login(user)
    choose_english(client)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="en"' in body
    # The user's own name is data, not interface text.
    text = navbar_text(body).replace(user.cadre.name, " ")
    assert not HAN.search(text), f"Chinese left in the {role} navbar: {HAN.findall(text)}"
    assert "Home" in text and "Log out" in text
