"""The judged query set: recall@10 over the demo data, on each backend."""
from __future__ import annotations

import datetime as dt
import os

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Offer
from marketplace.core import clock
from marketplace.search import service
from marketplace.search.documents import iter_all_documents, offer_doc_id, vendor_doc_id
from marketplace.vendors.models import Vendor
from tests.search.judged_queries import JUDGED_QUERIES

MIN_RECALL = 0.9
TOP = 10
NOW = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgresql")

BACKENDS = [
    "whoosh",
    pytest.param(
        "postgres", marks=pytest.mark.skipif(not ON_POSTGRES, reason="the PostgreSQL backend needs DATABASE_URL=postgresql")
    ),
]


@pytest.fixture
def demo_index(app, db, tmp_path, monkeypatch, request):
    """The demo data, indexed by the backend under test; searches never fall back."""
    from seeds.demo import run_demo

    clock.freeze(NOW)
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", request.param)
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(tmp_path / "index"))

    def no_fallback(query):
        raise AssertionError(f"the {request.param} backend failed on {query.text!r}")

    monkeypatch.setattr(service, "database_search", no_fallback)
    with app.test_request_context():
        run_demo(app.config)
        db.session.commit()
        count = service.reindex()
        assert count > 100
        yield service.get_backend()
    app.extensions.pop("search_backend", None)


def _resolve(db) -> dict[str, str]:
    """Judged reference ("o:<title>" / "v:<slug>") -> document id."""
    refs = {}
    for offer_id, title in db.session.execute(sa.select(Offer.id, Offer.title)):
        refs[f"o:{title}"] = offer_doc_id(offer_id)
    for vendor_id, slug in db.session.execute(sa.select(Vendor.id, Vendor.slug)):
        refs[f"v:{slug}"] = vendor_doc_id(vendor_id)
    return refs


def test_the_judged_set_is_large_and_varied():
    assert len(JUDGED_QUERIES) >= 40
    kinds = {q.kind for q in JUDGED_QUERIES}
    assert {"plain", "plural", "accents", "typo", "two words", "vendor", "commune", "label", "service"} <= kinds


@pytest.mark.parametrize("demo_index", BACKENDS, indirect=True)
def test_recall_at_10(demo_index, db):
    refs = _resolve(db)
    visible = {doc["id"] for doc in iter_all_documents()}

    recalls, misses = [], []
    for judged in JUDGED_QUERIES:
        unknown = [ref for ref in judged.expected if ref not in refs]
        assert not unknown, f"{judged.text!r} expects what the demo data lacks: {unknown}"
        expected = {refs[ref] for ref in judged.expected if refs[ref] in visible}
        if not expected:
            continue
        result = service.search(judged.text, per_page=TOP)
        found = {hit.id for hit in result.hits[:TOP]}
        recall = len(expected & found) / len(expected)
        recalls.append(recall)
        if recall < 1:
            missing = sorted(ref for ref in judged.expected if refs[ref] in expected - found)
            misses.append(f"{judged.kind:>9} {judged.text!r}: {recall:.2f}, missing {missing}")

    mean = sum(recalls) / len(recalls)
    assert len(recalls) >= 40
    assert mean >= MIN_RECALL, f"recall@10 = {mean:.3f} < {MIN_RECALL}\n" + "\n".join(misses)
    print(f"\n{demo_index.name}: recall@10 = {mean:.3f} over {len(recalls)} queries")
    for line in misses:
        print("  " + line)
