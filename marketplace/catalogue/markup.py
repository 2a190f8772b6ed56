"""Offer descriptions: plain text with paragraphs or a small Markdown subset, sanitised with nh3.

Supported: paragraphs (blank line), line breaks, ``**gras**``, ``*italique*``,
bulleted lists (``- `` or ``* ``), numbered lists (``1. ``) and links
``[texte](https://…)``. Everything else is shown as typed.
"""
from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}

_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\*\w])\*(?=\S)(.+?)(?<=\S)\*(?![\*\w])")
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:)[^)\s]+)\)")
_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")


def _inline(text: str) -> str:
    text = html.escape(text, quote=True)
    text = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', text)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    text = _ITALIC.sub(r"<em>\1</em>", text)
    return text


def _block(lines: list[str]) -> str:
    if all(_BULLET.match(line) for line in lines):
        items = "".join(f"<li>{_inline(_BULLET.match(line).group(1))}</li>" for line in lines)
        return f"<ul>{items}</ul>"
    if all(_NUMBERED.match(line) for line in lines):
        items = "".join(f"<li>{_inline(_NUMBERED.match(line).group(1))}</li>" for line in lines)
        return f"<ol>{items}</ol>"
    return "<p>" + "<br>".join(_inline(line.strip()) for line in lines) + "</p>"


def render(text: str | None) -> str:
    """Safe HTML for a description typed by a vendor."""
    raw = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[list[str]] = [[]]
    for line in raw.split("\n"):
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    rendered = "".join(_block(lines) for lines in blocks if lines)
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


def plain(text: str | None, length: int = 160) -> str:
    """A one-line plain-text excerpt (cards, meta description, JSON-LD)."""
    raw = re.sub(r"[*_\[\]#>`]|\(https?://[^)]*\)", "", text or "")
    raw = re.sub(r"^\s*(?:[-•]|\d{1,3}[.)])\s+", "", raw, flags=re.MULTILINE)
    raw = " ".join(raw.split())
    if len(raw) <= length:
        return raw
    return raw[: length - 1].rsplit(" ", 1)[0] + "…"
