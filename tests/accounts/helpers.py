"""Small helpers shared by the accounts tests."""
from __future__ import annotations

import html
from urllib.parse import urlsplit


def text(response) -> str:
    """The response body with HTML entities decoded (``&#39;`` → ``'``)."""
    return html.unescape(response.get_data(as_text=True))


def link_path(message) -> str:
    """The path (and query) of the first link in a queued e-mail."""
    assert message.links, f"no link in the e-mail: {message.body!r}"
    parts = urlsplit(message.links[0])
    return parts.path + (f"?{parts.query}" if parts.query else "")
