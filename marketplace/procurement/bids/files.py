"""The technical memo of a bid as a file (PDF, ODT, DOCX, XLSX or ZIP, judged by its
content as for the consultation documents), stored privately under UPLOAD_DIR/bids
under a random name and served only through a view that applies the sealed-bid rule."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask_babel import lazy_gettext as _l

from marketplace.core.audit import record_event
from marketplace.core.uploads import ACTIVE_CONTENT_MESSAGE, has_active_content
from marketplace.extensions import db
from marketplace.procurement.bids.errors import BidError
from marketplace.procurement.bids.models import Bid
from marketplace.procurement.bids.services import (
    ACTIVE_STATUSES,
    ensure_accepts_bids,
    require_lead,
    require_status,
)
from marketplace.procurement.tenders.documents import ACCEPTED_LABEL, sniff
from marketplace.vendors.documents import (
    DocumentError,
    random_storage_name,
    read_upload,
    remove_after_commit,
    safe_display_name,
    upload_dir,
)

MAX_MEMO_BYTES = 10 * 1024 * 1024
STORAGE_KIND = "bids"


def memo_path(bid: Bid) -> Path | None:
    if not bid.memo_storage_name:
        return None
    path = upload_dir(STORAGE_KIND) / Path(bid.memo_storage_name).name
    return path if path.is_file() else None


def _forget_file(bid: Bid) -> None:
    old = memo_path(bid)
    if old is not None:
        remove_after_commit(old)
    bid.memo_file_name = bid.memo_storage_name = bid.memo_content_type = bid.memo_sha256 = None
    bid.memo_size = None


def attach_memo(bid: Bid, actor, file_storage) -> Bid:
    """Store (or replace) the memo file of a bid in preparation or submitted, before the deadline."""
    require_lead(bid, actor)
    ensure_accepts_bids(bid.lot)
    require_status(bid, ACTIVE_STATUSES, _l("l'ajout d'un fichier"))
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise BidError(_l("Choisissez un fichier à envoyer."), field="memo_file")
    try:
        data = read_upload(file_storage, MAX_MEMO_BYTES)
    except DocumentError as error:
        raise BidError(error.message, field="memo_file") from None
    sniffed = sniff(data)
    if sniffed is None:
        raise BidError(
            _l(
                "Le mémoire doit être un fichier valide (%(accepted)s) ; son contenu a été vérifié, pas "
                "seulement son nom.",
                accepted=ACCEPTED_LABEL,
            ),
            field="memo_file",
        )
    if has_active_content(data):
        raise BidError(ACTIVE_CONTENT_MESSAGE, field="memo_file")
    content_type, ext = sniffed
    _forget_file(bid)
    storage_name = random_storage_name(ext)
    (upload_dir(STORAGE_KIND) / storage_name).write_bytes(data)
    bid.memo_file_name = safe_display_name(file_storage.filename, f"memoire.{ext}")
    bid.memo_storage_name = storage_name
    bid.memo_content_type = content_type
    bid.memo_size = len(data)
    bid.memo_sha256 = hashlib.sha256(data).hexdigest()
    record_event(actor, bid, "bid.memo_attached", None, None, {"name": bid.memo_file_name, "sha256": bid.memo_sha256})
    db.session.flush()
    return bid


def remove_memo(bid: Bid, actor) -> Bid:
    require_lead(bid, actor)
    ensure_accepts_bids(bid.lot)
    require_status(bid, ACTIVE_STATUSES, _l("la suppression du fichier"))
    if not bid.memo_storage_name:
        return bid
    record_event(actor, bid, "bid.memo_removed", None, None, {"name": bid.memo_file_name})
    _forget_file(bid)
    db.session.flush()
    return bid
