"""Rules shared by every file upload.

Files are stored under random names, so an uploaded file's name never
decides where it is written; it is kept for display and download only. A name
that no browser sends — a path (``../../etc/passwd``, ``/etc/passwd``,
``C:\\…``), a NUL byte or other control characters — betrays a forged
request and is refused outright rather than cleaned up.

A file is judged by its content (each domain checks the type it accepts);
besides, no accepted file may carry markup or script that a browser or a PDF
reader could run if the file were ever served or opened the wrong way: a
"polyglot" (a valid JPEG or PDF header followed by HTML, JavaScript or PHP)
is refused.
"""
from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

UNSAFE_FILENAME_MESSAGE = _l(
    "Le nom du fichier n'est pas valide : renommez-le sans chemin (« / », « \\ », « .. ») "
    "ni caractères spéciaux, puis envoyez-le à nouveau."
)
ACTIVE_CONTENT_MESSAGE = _l(
    "Ce fichier contient du code (HTML, script ou PHP) : il est refusé. "
    "Enregistrez-le à nouveau depuis votre logiciel (export PDF ou photo) puis envoyez-le."
)
MAX_FILENAME_LENGTH = 255

# Markers long enough not to occur by chance in compressed image or PDF data.
_ACTIVE_CONTENT = re.compile(
    rb"<\s*(?:script|html|iframe|object|embed)\b|<\?php|javascript\s*:|\bon(?:load|error)\s*=|/JavaScript\b",
    re.IGNORECASE,
)


def is_safe_filename(filename: str | None) -> bool:
    """True for a plain file name as browsers send it: no directory, no control character."""
    if not filename or len(filename) > MAX_FILENAME_LENGTH:
        return False
    if "/" in filename or "\\" in filename or filename.strip() in {".", ".."}:
        return False
    if len(filename) > 1 and filename[1] == ":":  # a Windows drive, C:…
        return False
    return not any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in filename)


def has_active_content(data: bytes) -> bool:
    """True if the bytes carry HTML, script, PHP or PDF JavaScript."""
    return _ACTIVE_CONTENT.search(data) is not None
