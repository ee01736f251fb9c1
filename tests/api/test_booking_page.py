"""The patients' booking page (issue 14), first step, against the real
binary: GET /book/{center_slug} is a readable 404 page while the center's
page is off (never set, disabled) or the center unknown, and the first step
(choose a service) once `agenda booking enable` turned it on: server-side
HTML that works without JavaScript (a form of radio buttons), in the
language of Accept-Language or the switch, with every text escaped (a
service named <script> is shown as text), the security headers on every
answer, and the page with its stylesheet under 30 kB."""

import html
import re

import requests

from helpers import expect

STEP_ONE = {"en": "Choose a service", "fr": "Choisissez une prestation",
            "nl": "Kies een dienst", "de": "Wählen Sie eine Leistung", "es": "Elija un servicio"}
NOT_FOUND = {"en": "Page not found", "fr": "Page introuvable", "nl": "Pagina niet gevonden",
             "de": "Seite nicht gefunden", "es": "Página no encontrada"}


def slug_of(acct):
    centers = expect(acct.api.get("/centers"), 200)["centers"]
    return next(c["center"]["slug"] for c in centers if c["center"]["id"] == acct.center_id)


def page(server, path, accept=None, **params):
    headers = {"Accept-Language": accept} if accept else {}
    return requests.get(server.base + path, headers=headers, params=params, timeout=30)


def assert_headers(r):
    csp = r.headers["Content-Security-Policy"]
    for directive in ("default-src 'none'", "frame-ancestors 'none'", "style-src 'self'",
                      "form-action 'self'", "base-uri 'none'"):
        assert directive in csp, csp
    assert "script-src" not in csp and "unsafe-inline" not in csp, csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"


def assert_html(r, status):
    assert r.status_code == status, r.text[:300]
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert r.text.startswith("<!doctype html>") and r.text.endswith("</html>")
    assert "<script" not in r.text
    assert_headers(r)


def enable(cli, acct, *extra):
    cli.ok("booking", "enable", "--center", str(acct.center_id), *extra)


def test_off_unknown_and_disabled_pages_are_the_same_404(server, cli, acct):
    slug = slug_of(acct)
    acct.upsert_services({"remote_id": "s", "name": "Consult", "duration": 20})
    never = page(server, f"/book/{slug}")
    unknown = page(server, "/book/no-such-center-anywhere")
    for r in (never, unknown):
        assert_html(r, 404)
        assert "<h1>Page not found</h1>" in r.text
        assert "There is no booking page at this address." in r.text
    assert never.text == unknown.text
    enable(cli, acct)
    assert_html(page(server, f"/book/{slug}"), 200)
    cli.ok("booking", "disable", "--center", str(acct.center_id))
    off = page(server, f"/book/{slug}")
    assert_html(off, 404)
    assert off.text == unknown.text
    # a page's path with another method; paths that are no page stay the API's
    r = requests.post(server.base + f"/book/{slug}", timeout=30)
    assert_html(r, 405)
    assert r.headers["Allow"] == "GET, HEAD"
    r = requests.get(server.base + f"/book/{slug}/x/y", timeout=30)
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("application/json")


def test_the_first_step_lists_the_services_offered(server, cli, acct):
    slug = slug_of(acct)
    second = acct.add_calendar(first="Anna", last="Peeters")
    acct.upsert_services({"remote_id": "a", "name": "Consult", "duration": 20},
                         {"remote_id": "b", "name": "Check-up", "duration": 40})
    acct.upsert_services({"remote_id": "c", "name": "Consult", "duration": 20},
                         {"remote_id": "d", "name": "Hidden", "duration": 10},
                         calendar_id=second)
    enable(cli, acct)
    r = page(server, f"/book/{slug}", "en")
    assert_html(r, 200)
    text = r.text
    assert 'lang="en"' in text and "<h1>Book an appointment</h1>" in text
    assert "<title>Book an appointment - Centre " in text
    assert '<form method="get" action="/book/' + slug + '/practitioner">' in text
    radios = re.findall(r'<input type="radio" id="s(\d+)" name="service" value="(\d+)" required>',
                        text)
    assert len(radios) == 3  # Check-up, Consult (both calendars), Hidden
    assert all(a == b for a, b in radios)
    for radio_id, _ in radios:
        assert f'<label for="s{radio_id}">' in text
    assert "Joris Van Hecke, Anna Peeters" in text and "20 min" in text and "40 min" in text
    assert '<button type="submit">Continue</button>' in text
    # only the calendar named
    enable(cli, acct, "--calendar", str(acct.calendar_id))
    text = page(server, f"/book/{slug}").text
    assert "Hidden" not in text and "Anna Peeters" not in text and "Check-up" in text
    # nothing offered
    hidden = next(s for s in acct.list_services(calendar_id=second) if s["name"] == "Hidden")
    enable(cli, acct, "--calendar", str(second), "--service", str(hidden["id"]))
    assert "Hidden" in page(server, f"/book/{slug}").text


def test_languages_from_accept_language_and_the_switch(server, cli, acct):
    slug = slug_of(acct)
    acct.upsert_services({"remote_id": "a", "name": "Consult", "duration": 20})
    enable(cli, acct)
    for header, lang in (("fr-BE,fr;q=0.9,en;q=0.8", "fr"), ("nl", "nl"), ("de-DE", "de"),
                         ("es;q=0.5, it;q=0.9", "es"), ("it, ja", "en"),
                         ("en;q=0.1, de;q=0.2", "de"), ("fr;q=0, nl;q=0.1", "nl"), (None, "en")):
        r = page(server, f"/book/{slug}", header)
        assert_html(r, 200)
        assert f'<html lang="{lang}">' in r.text, header
        assert html.escape(STEP_ONE[lang], quote=False) in r.text, header
        assert r.headers["Content-Language"] == lang
    # the visible switch: every language, linking to itself with ?lang=
    r = page(server, f"/book/{slug}", "fr")
    for code, name in (("en", "English"), ("fr", "Français"), ("nl", "Nederlands"),
                       ("de", "Deutsch"), ("es", "Español")):
        assert f'href="?lang={code}" hreflang="{code}" lang="{code}"' in r.text
        assert f">{name}</a>" in r.text
    assert 'aria-current="true">Français</a>' in r.text
    r = page(server, f"/book/{slug}", "fr", lang="de")
    assert '<html lang="de">' in r.text and STEP_ONE["de"] in r.text
    assert '<input type="hidden" name="lang" value="de">' in r.text
    r = page(server, "/book/unknown-center-x", "es")
    assert_html(r, 404)
    assert NOT_FOUND["es"] in r.text and '<html lang="es">' in r.text


def test_every_text_is_escaped(server, cli, acct):
    slug = slug_of(acct)
    nasty = "<script>alert('x')</script> & \"more\""
    acct.upsert_services({"remote_id": "x", "name": nasty, "duration": 15})
    enable(cli, acct)
    r = page(server, f"/book/{slug}", accept="<b>")
    assert_html(r, 200)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;more&quot;" in r.text
    assert "<b>" not in r.text
    # a query parameter never reaches the page unescaped either
    r = page(server, f"/book/{slug}", lang='"><script>')  # the switch's parameter
    assert "<script" not in r.text and '<html lang="en">' in r.text


def test_page_weight_and_the_stylesheet(server, cli, acct):
    slug = slug_of(acct)
    acct.upsert_services(*({"remote_id": f"s{i}", "name": f"Service number {i}",
                            "duration": 10 + i} for i in range(20)))
    enable(cli, acct)
    r = page(server, f"/book/{slug}")
    assert_html(r, 200)
    assert r.text.count('type="radio"') == 20
    css = requests.get(server.base + "/assets/book.css", timeout=30)
    assert css.status_code == 200
    assert css.headers["Content-Type"] == "text/css; charset=utf-8"
    assert "max-age" in css.headers["Cache-Control"]
    assert_headers(css)
    assert '<link rel="stylesheet" href="/assets/book.css">' in r.text
    assert 'name="viewport" content="width=device-width,initial-scale=1"' in r.text
    total = len(r.content) + len(css.content)
    assert total < 30 * 1024, total
