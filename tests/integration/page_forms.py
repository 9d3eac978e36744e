"""A browser without script for the integration tests: sign in to the review pages, read a page's forms as HTML,
change some fields and submit them as Chromium would (the checked boxes, the selected options, the text areas)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from httpx import Response

from tests.conftest import World


@dataclass
class Control:
    tag: str
    name: str
    type: str
    value: str
    id: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class HtmlForm:
    """One <form> of a page: its action and controls, to fill in and submit."""

    action: str
    key: str
    controls: list[Control]
    labelled: set[str]

    def names(self) -> list[str]:
        return [c.name for c in self.controls if c.name and c.type != "submit"]

    def hidden(self) -> dict[str, str]:
        return {c.name: c.value for c in self.controls if c.type == "hidden"}

    def unlabelled(self) -> list[str]:
        """The controls a user sees that no <label for> names."""
        return [c.name for c in self.controls if c.type not in ("hidden", "submit") and c.id not in self.labelled]

    def fill(self, values: dict[str, Any]) -> HtmlForm:
        """Set fields by name: text for inputs, selects and text areas, True/False for a checkbox, a list of values
        to tick among the checkboxes of that name."""
        for name, value in values.items():
            found = [c for c in self.controls if c.name == name and c.type != "submit"]
            assert found, f"no field {name} in form {self.key}: {self.names()}"
            for c in found:
                if c.type == "checkbox":
                    c.checked = value is True or (isinstance(value, list) and c.value in [str(v) for v in value])
                elif c.tag == "select":
                    assert str(value) in [v for v, _ in c.options], f"{name}: {value} not among {c.options}"
                    c.options = [(v, v == str(value)) for v, _ in c.options]
                else:
                    c.value = str(value)
        return self

    def pairs(self, submitter: tuple[str, str] | None = None) -> list[tuple[str, str]]:
        """What the browser sends, in document order."""
        out: list[tuple[str, str]] = []
        for c in self.controls:
            if not c.name or c.type == "submit":
                continue
            if c.type == "checkbox":
                if c.checked:
                    out.append((c.name, c.value))
            elif c.tag == "select":
                chosen = [v for v, selected in c.options if selected] or [c.options[0][0]] if c.options else []
                out.extend((c.name, v) for v in chosen[:1])
            else:
                out.append((c.name, c.value))
        if submitter is not None:
            out.append(submitter)
        return out


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self.labels: set[str] = set()
        self._form: HtmlForm | None = None
        self._select: Control | None = None
        self._option: tuple[str, bool] | None = None
        self._option_text = ""
        self._textarea: Control | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag == "form":
            self._form = HtmlForm(a.get("action", ""), a.get("data-form", ""), [], self.labels)
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input":
            kind = a.get("type", "text")
            value = a.get("value", "true" if kind == "checkbox" else "")
            self._form.controls.append(Control("input", a.get("name", ""), kind, value, a.get("id", ""), "checked" in a))
        elif tag == "button":
            self._form.controls.append(Control("button", a.get("name", ""), "submit", a.get("value", "")))
        elif tag == "select":
            self._select = Control("select", a.get("name", ""), "select", "", a.get("id", ""))
            self._form.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value", ""), "selected" in a)
        elif tag == "textarea":
            self._textarea = Control("textarea", a.get("name", ""), "textarea", "", a.get("id", ""))
            self._form.controls.append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "option" and self._select is not None and self._option is not None:
            self._select.options.append(self._option)
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None and self._textarea.value.startswith("\n"):
                self._textarea.value = self._textarea.value[1:]
            self._textarea = None


def forms_of(html: str) -> list[HtmlForm]:
    """Every form of a page."""
    parser = _Parser()
    parser.feed(html)
    return parser.forms


def field_errors(html: str) -> dict[str, list[str]]:
    """The error messages shown beside fields, by the field's name."""
    found: dict[str, list[str]] = {}
    for name, text in re.findall(r'data-testid="field-error" data-for="([^"]*)">([^<]*)<', html):
        found.setdefault(name, []).append(text)
    return found


class Visitor:
    """One signed-in browser of a world user."""

    def __init__(self, world: World, who: str) -> None:
        self.world = world
        self.client = TestClient(world.client.app, raise_server_exceptions=False)
        page = self.client.get("/review/login")
        assert page.status_code == 200, page.text
        login = next(f for f in forms_of(page.text) if f.action == "/review/login")
        r = self.post("/review/login", login.fill({"token": world.tokens[who]}).pairs())
        assert r.status_code == 303 and r.headers["location"] == "/review/cases", r.text

    def get(self, path: str, status: int = 200) -> Response:
        r = self.client.get(path, follow_redirects=False)
        assert r.status_code == status, (path, r.status_code, r.text[:3000])
        return r

    def post(self, path: str, pairs: list[tuple[str, str]]) -> Response:
        return self.client.post(
            path, content=urlencode(pairs), headers={"Content-Type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
        )  # fmt: skip

    def form(self, path: str, key: str) -> HtmlForm:
        """The form `key` (data-form: an event key, add_draft, record_meeting, …) of the page at `path`."""
        page = self.get(path)
        found = [f for f in forms_of(page.text) if f.key == key]
        assert found, f"no form {key} on {path}: {[f.key for f in forms_of(page.text)]}"
        return found[0]

    def submit(self, form: HtmlForm, values: dict[str, Any] | None = None, submitter: tuple[str, str] | None = None) -> Response:
        """Fill in and submit a form; the answer is not followed."""
        return self.post(form.action, form.fill(values or {}).pairs(submitter))

    def event(self, case_id: int, event: str, values: dict[str, Any] | None = None) -> Response:
        """Fire an event through its form on the case page; asserts it was done (303 to the case page)."""
        r = self.submit(self.form(f"/review/cases/{case_id}", event), values)
        assert r.status_code == 303, (event, r.status_code, r.text[:4000], field_errors(r.text))
        assert r.headers["location"].startswith(f"/review/cases/{case_id}?done={event}")
        return r
