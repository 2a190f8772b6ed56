"""Reading served HTML as a browser would: executable markup, shown text, and forms."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset", "background"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:image/svg")
FORBIDDEN_TAGS = {"iframe", "frame", "object", "embed", "applet", "base"}
DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}
_STRIPPED = re.compile(r"[\x00-\x20]+")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.texts: list[str] = []
        self.attribute_values: list[str] = []
        self._in_data_script = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script":
            kind = values.get("type", "").lower()
            if kind in DATA_SCRIPT_TYPES:
                self._in_data_script = True
            elif not values.get("src", "").startswith("/static/"):
                self.problems.append(f"<script {values}>")
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag} {values}>")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.problems.append(f"<meta http-equiv=refresh {values}>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in values.items():
            self.attribute_values.append(value)
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
            if name in URL_ATTRIBUTES and _STRIPPED.sub("", value).lower().startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_data_script = False

    def handle_data(self, data):
        if self._in_data_script and "<" in data:
            self.problems.append(f"markup inside a data script: {data[:120]!r}")
        self.texts.append(data)


@dataclass
class PageReading:
    problems: list[str]
    text: str
    attribute_values: list[str]

    def shows(self, value: str) -> bool:
        """The value is on the page as text or as an attribute's value (what a reader sees)."""
        squeezed = " ".join(value.split())
        return squeezed in " ".join(self.text.split()) or any(
            squeezed in " ".join(v.split()) for v in self.attribute_values
        )


def read(html: str) -> PageReading:
    page = _Page()
    page.feed(html)
    page.close()
    return PageReading(page.problems, "".join(page.texts), page.attribute_values)


def executable_markup(html: str) -> list[str]:
    """What a browser would run on this page beyond the site's own static scripts."""
    return read(html).problems


# ---------------------------------------------------------------- forms


@dataclass
class Form:
    action: str
    method: str
    # (name, kind, value, checked) in document order; kind is the input type, "textarea" or "select"
    fields: list[tuple[str, str, str, bool]] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)  # select name → option values

    def text_fields(self) -> list[str]:
        names = []
        for name, kind, _value, _checked in self.fields:
            if kind in {"text", "search", "textarea", "url", "tel"} and name not in names and name != "csrf_token":
                names.append(name)
        return names

    def data(self, **overrides) -> dict:
        """What a browser would post after the user typed ``overrides``."""
        data: dict = {}
        radios: dict[str, str] = {}
        checked_radios: set[str] = set()
        for name, kind, value, checked in self.fields:
            if kind in {"submit", "button", "file", "reset", "image"}:
                continue
            if kind == "radio":
                if checked:
                    radios[name] = value
                    checked_radios.add(name)
                elif name not in radios:
                    radios[name] = value
                continue
            if kind == "checkbox":
                if checked:
                    data.setdefault(name, []).append(value or "y")
                continue
            if kind == "select":
                if name not in data:
                    choices = [v for v in self.options.get(name, []) if v]
                    data[name] = value or (choices[0] if choices else "")
                continue
            data.setdefault(name, value)
        data.update({k: v for k, v in radios.items() if k not in data})
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: str | None = None
        self._selected: str | None = None

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(values.get("action", ""), values.get("method", "get").lower())
            self.forms.append(self._form)
        if self._form is None or "name" not in values and tag != "option":
            return
        if tag == "input":
            kind = values.get("type", "text").lower()
            self._form.fields.append((values["name"], kind, values.get("value", ""), "checked" in values))
        elif tag == "textarea":
            self._textarea = (values["name"], [])
        elif tag == "select":
            self._select = values["name"]
            self._selected = None
            self._form.options[self._select] = []
        elif tag == "option" and self._select is not None:
            self._form.options[self._select].append(values.get("value", ""))
            if "selected" in values:
                self._selected = values.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, parts = self._textarea
            self._form.fields.append((name, "textarea", "".join(parts).lstrip("\n"), False))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            self._form.fields.append((self._select, "select", self._selected or "", False))
            self._select = None


def forms(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    parser.close()
    return parser.forms


def form_posting_to(html: str, action: str) -> Form:
    """The page's form whose action is ``action`` (path, query string ignored; a form without
    action posts to its own page, which must then be ``action``)."""
    found = [f for f in forms(html) if (f.action.split("?")[0] or action) == action.split("?")[0] and f.method == "post"]
    assert found, f"no form posting to {action}; forms: {[f.action for f in forms(html)]}"
    return found[0]
