"""Descriptions: plain text or a small Markdown subset, sanitised."""
from __future__ import annotations

import pytest

from marketplace.catalogue.markup import plain, render


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", ""),
        ("Un paragraphe.", "<p>Un paragraphe.</p>"),
        ("Ligne 1\nLigne 2\n\nSuite", "<p>Ligne 1<br>Ligne 2</p><p>Suite</p>"),
        ("**gras** et *italique*", "<p><strong>gras</strong> et <em>italique</em></p>"),
        ("- un\n- deux", "<ul><li>un</li><li>deux</li></ul>"),
        ("1. un\n2. deux", "<ol><li>un</li><li>deux</li></ol>"),
        ("5 * 3 = 15", "<p>5 * 3 = 15</p>"),
        ("a < b & c", "<p>a &lt; b &amp; c</p>"),
        ("<b>non</b>", "<p>&lt;b&gt;non&lt;/b&gt;</p>"),
        ("[site](https://exemple.fr)", '<p><a href="https://exemple.fr" rel="nofollow noopener noreferrer">site</a></p>'),
        ("[piège](javascript:alert(1))", "<p>[piège](javascript:alert(1))</p>"),
        ('[x](https://a.fr" onclick="alert(1))', '<p>[x](https://a.fr" onclick="alert(1))</p>'),
        ("\r\n\r\nFin\r\n", "<p>Fin</p>"),
    ],
)
def test_render(text, expected):
    assert render(text).replace("&quot;", '"') == expected


def test_plain_excerpt():
    assert plain("**Miel** de [sapin](https://a.fr).\n\n- pot") == "Miel de sapin. pot"
    long = plain("mot " * 100, 30)
    assert len(long) <= 30 and long.endswith("…")
