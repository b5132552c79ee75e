"""Accessibility basics of every dashboard page: a title, one h1, labelled controls, image alt
text, a page language, and chart colours from the Okabe–Ito colour-blind-safe palette."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib.resources import files

import pytest
from fastapi.testclient import TestClient

from rootcauses.config import Settings
from rootcauses.web.app import create_app

PAGES = ["/", "/drivers", "/forecasts", "/sources", "/commitments", "/policy-lab", "/docs"]
# Okabe & Ito (2008). Greys (no hue: outlines, event rules, "other") are safe too and allowed.
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}
HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class PageOutline(HTMLParser):
    """What the checks need from a page: title, headings, controls, labels, images."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.lang: str | None = None
        self.h1 = 0
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.images: list[dict[str, str | None]] = []
        self._open_labels = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label":
            self._open_labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if tag != "input" or (a.get("type") or "text") not in UNLABELLED_TYPES:
                self.controls.append({**a, "_tag": tag, "_wrapped": str(self._open_labels > 0)})
        elif tag == "img":
            self.images.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._open_labels = max(0, self._open_labels - 1)
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def outline(html: str) -> PageOutline:
    parser = PageOutline()
    parser.feed(html)
    return parser


def unlabelled(page: PageOutline) -> list[str]:
    """Controls with no <label for>, no wrapping <label> and no aria-label(ledby)/title."""
    missing = []
    for control in page.controls:
        named = (
            control["_wrapped"] == "True"
            or control.get("id") in page.label_for
            or control.get("aria-label")
            or control.get("aria-labelledby")
            or control.get("title")
        )
        if not named:
            missing.append(f"<{control['_tag']} name={control.get('name')} id={control.get('id')}>")
    return missing


@pytest.fixture(scope="module")
def client(built_store: Settings) -> TestClient:
    return TestClient(create_app(built_store))


def test_every_page_is_served(client: TestClient) -> None:
    for path in PAGES:
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("path", PAGES)
def test_each_page_has_a_title_one_h1_and_a_language(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, path
    page = outline(response.text)
    assert page.title.strip() and "rootcauses" in page.title
    assert page.h1 == 1, f"{path} has {page.h1} <h1> elements"
    assert page.lang == "en"


@pytest.mark.parametrize("path", PAGES)
def test_every_control_is_labelled_and_every_image_has_alt(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, path
    page = outline(response.text)
    assert unlabelled(page) == [], f"unlabelled controls on {path}"
    assert [i.get("src") for i in page.images if i.get("alt") is None] == []


def test_the_checker_notices_what_is_missing() -> None:
    bad = outline(
        '<html><title> </title><h1>a</h1><h1>b</h1><input id="x"><select name="s"></select>'
        '<label>y <input name="ok"></label><input type="hidden" name="h"><img src="a.png"></html>'
    )
    assert bad.h1 == 2 and not bad.title.strip() and bad.lang is None
    assert unlabelled(bad) == ["<input name=None id=x>", "<select name=s id=None>"]
    assert [i["src"] for i in bad.images if i.get("alt") is None] == ["a.png"]


def _chart_sources() -> dict[str, str]:
    """common.js whole, and the <script> blocks of every template (CSS colours are not data)."""
    web = files("rootcauses.web")
    sources = {"static/common.js": (web / "static" / "common.js").read_text(encoding="utf-8")}
    for template in (web / "templates").iterdir():
        if template.name.endswith(".html"):
            text = template.read_text(encoding="utf-8")
            scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", text, re.DOTALL)
            sources[f"templates/{template.name}"] = "\n".join(scripts)
    return sources


def _normalise(colour: str) -> str:
    colour = colour.upper()
    return "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour


def _grey(colour: str) -> bool:
    return colour[1:3] == colour[3:5] == colour[5:7]


def test_chart_colours_are_okabe_ito() -> None:
    sources = _chart_sources()
    common = sources["static/common.js"]
    palette = re.search(r"OKABE_ITO\s*=\s*\[([^\]]*)\]", common)
    assert palette, "common.js defines no OKABE_ITO palette"
    assert {_normalise(c) for c in HEX.findall(palette.group(1))} == OKABE_ITO
    stray = {
        (where, colour)
        for where, text in sources.items()
        for colour in HEX.findall(text)
        if _normalise(colour) not in OKABE_ITO and not _grey(_normalise(colour))
    }
    assert stray == set(), "chart colours outside the Okabe–Ito palette"


def test_each_headline_country_has_its_own_palette_colour() -> None:
    common = _chart_sources()["static/common.js"]
    block = re.search(r"COLOURS\s*=\s*\{([^}]*)\}", common).group(1)
    colours = dict(re.findall(r"(\w+):\s*\"(#[0-9A-Fa-f]{3,6})\"", block))
    headline = [_normalise(colours[c]) for c in ("GTM", "HND", "SLV", "MEX")]
    assert len(set(headline)) == 4 and set(headline) <= OKABE_ITO


def test_the_colour_check_tells_hues_from_greys() -> None:
    assert _grey(_normalise("#777")) and _grey("#FFFFFF")
    assert not _grey(_normalise("#F00")) and not _grey("#0072B2")
