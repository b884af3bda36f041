"""Spanish for everything a participant sees: the catalog is complete and compiled, every
participant page renders in Spanish with no English left over, and the language switch keeps
only the language code in a cookie."""

import gettext
import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from walkthetalk.conversations import tasks
from walkthetalk.messenger import services as messenger_services
from walkthetalk.pulse import services as pulse_services

from ..caremap.factories import small_system
from ..conversations.factories import (
    accepted_client,
    conversation,
    joined,
    participant_client,
)
from ..messenger.factories import a_pass, a_role, key, with_pass
from ..pulse.factories import participant, unit

SOURCE = Path(__file__).resolve().parents[2] / "src" / "walkthetalk"
CATALOG = SOURCE / "locale" / "es" / "LC_MESSAGES"


def test_every_spanish_entry_is_translated_and_none_is_fuzzy() -> None:
    stats = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOG / "django.po")],
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    assert re.match(r"\d+ translated messages\.\s*$", stats), stats
    text = (CATALOG / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text


def test_the_catalog_holds_every_string_the_code_marks_for_translation(tmp_path: Path) -> None:
    """makemessages over a copy of the sources finds no msgid the committed catalog lacks."""
    copy = tmp_path / "walkthetalk"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.rmtree(copy / "locale" / "es")
    (copy / "locale" / "es" / "LC_MESSAGES").mkdir(parents=True)
    subprocess.run(
        ["django-admin", "makemessages", "-l", "es", "--no-location", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = _msgids_from_po(copy / "locale" / "es" / "LC_MESSAGES" / "django.po")
    committed = _msgids_from_po(CATALOG / "django.po")
    assert fresh - committed == set(), "run makemessages and translate the new strings"


def _msgids_from_po(po: Path) -> set[str]:
    """msgids of a .po file, untranslated ones included (msgfmt would drop them)."""
    out = subprocess.run(
        ["msgcat", "--no-wrap", "--force-po", str(po)], check=True, capture_output=True, text=True
    ).stdout
    return {
        m.encode("latin-1", "backslashreplace").decode("unicode_escape")
        for m in re.findall(r'^msgid "(.+)"$', out, re.M)
    }


def test_the_compiled_catalog_matches_the_translations() -> None:
    fresh = CATALOG / "django.check.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(CATALOG / "django.po")], check=True)
    try:
        with fresh.open("rb") as a, (CATALOG / "django.mo").open("rb") as b:
            assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog  # type: ignore[attr-defined]
    finally:
        fresh.unlink()


def _text_nodes(page: str) -> list[str]:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", "\n", page)
    return [" ".join(html.unescape(t).split()) for t in page.split("\n") if t.strip()]


ENGLISH = re.compile(r"\b(the|you|your|please|thank|this|what|with|and|of|to)\b", re.I)


def _english_left(es_page: str, en_page: str, written: list[str]) -> list[str]:
    """Text nodes of the Spanish page that read as English sentences the English page also
    has, leaving out what people wrote (titles, statements, names)."""
    english = set(_text_nodes(en_page))
    left = []
    for node in _text_nodes(es_page):
        if node not in english or len(node.split()) < 3 or not ENGLISH.search(node):
            continue
        if any(node in w or w in node for w in written):
            continue
        left.append(node)
    return left


def _both(client: Client, url: str) -> tuple[str, str]:
    client.cookies["wtt_language"] = "en"
    en = client.get(url).content.decode()
    client.cookies["wtt_language"] = "es"
    es = client.get(url).content.decode()
    return es, en


@pytest.mark.django_db
def test_every_participant_page_is_in_spanish() -> None:
    system = small_system()
    conv = conversation(system)
    for _ in range(2):
        joined(conv)
    tasks.refresh(conv.pk)
    role = a_role(system)
    concern = "Rotas change at short notice."
    receipt = messenger_services.submit_concern(a_pass(system), role.public_id, concern, key())
    messenger_services.reply_as_leadership(receipt.concern, "We hear you.", key())
    wave = pulse_services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])
    written = [conv.title, conv.question or "", system.name, wave.title, "Clinical Director"]
    written += [concern, "We hear you."]
    written += list(conv.statements.values_list("text", flat=True))

    pages: list[tuple[Client, str]] = [(Client(), "/join/"), (Client(), "/no/such/page/")]
    voter = accepted_client(conv)
    statement = conv.statements.first()
    assert statement is not None
    pages += [
        (participant_client(conv), f"/conversations/{conv.public_id}/agreements/"),
        (Client(), f"/conversations/{conv.public_id}/join/"),
        (voter, f"/conversations/{conv.public_id}/vote/"),
        (voter, f"/conversations/{conv.public_id}/write/"),
        (voter, f"/conversations/{conv.public_id}/mine/"),
        (voter, f"/conversations/{conv.public_id}/stand/"),
        (voter, f"/conversations/{conv.public_id}/statements/{statement.public_id}/ask/"),
    ]
    pulse_client = participant(system, wave)
    pages += [(pulse_client, "/welcome/"), (pulse_client, f"/pulse/w/{wave.pk}/")]
    member = Client()
    with_pass(member, system)
    pages += [
        (member, "/agenda/backlog/"),
        (member, "/agenda/you-said-we-did/"),
        (member, "/messenger/"),
        (member, "/messenger/read/"),
    ]
    reader = Client()
    reader.post("/messenger/read/", {"code": receipt.code})
    pages += [(reader, "/messenger/read/thread/")]
    for client, url in pages:
        es, en = _both(client, url)
        assert '<html lang="es">' in es, url
        assert _english_left(es, en, written) == [], url


def test_a_spanish_page_reads_in_spanish_and_the_english_one_in_english() -> None:
    client = Client()
    client.cookies["wtt_language"] = "es"
    page = client.get("/no/such/page/").content.decode()
    assert '<html lang="es">' in page and "No encontramos esa página" in page
    client.cookies["wtt_language"] = "en"
    page = client.get("/no/such/page/").content.decode()
    assert '<html lang="en">' in page and "We could not find that page" in page


def test_the_language_switch_keeps_only_the_language_code() -> None:
    client = Client(enforce_csrf_checks=False)
    response = client.post("/language/", {"language": "es", "next": "/join/"})
    assert response.status_code == 302 and response["Location"] == "/join/"
    assert response.cookies["wtt_language"].value == "es"
    assert set(response.cookies) == {"wtt_language"}  # no session, nothing else
    page = client.get("/join/").content.decode()
    assert '<html lang="es">' in page and "Código de invitación" in page
    assert 'value="en"' in page and ">English<" in page  # the way back


def test_an_unknown_language_or_an_outside_address_changes_nothing() -> None:
    client = Client()
    response = client.post("/language/", {"language": "xx", "next": "https://elsewhere.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "wtt_language" not in response.cookies
