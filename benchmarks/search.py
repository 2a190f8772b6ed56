"""Search benchmark: Whoosh, PostgreSQL full text and a naive LIKE baseline.

    .venv/bin/python benchmarks/search.py --offers 10000
    .venv/bin/python benchmarks/search.py --offers 100000 --database-url postgresql+psycopg://postgres@127.0.0.1:5432/mydb

Generates N synthetic French offers (deterministic), builds each index, and
prints build time, index size and p50/p95 latency over a fixed query mix
(simple, two words, typo, with facets, with a département filter). Every
search computes the facet counts, as the search page does. Without
--database-url, a temporary PostgreSQL database is created and dropped;
with it, the ``search`` schema of that database is overwritten.

Each backend is measured twice: queries already seen at this index version
(what the backends keep between queries is used: term documents, facet
counts), then each query as if seen for the first time (those caches
cleared before it). The load average is printed with each measure: other
processes on the machine slow every figure down.

    --index-dir DIR --reuse   keep the Whoosh index in DIR and reuse it (and the
                              PostgreSQL documents of --database-url) when it
                              already holds the N offers
"""
# SQL here is assembled from constant fragments only; every value is a bound parameter.
# ruff: noqa: S608
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marketplace import create_app  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.search.analysis import terms  # noqa: E402
from marketplace.search.backends.base import (  # noqa: E402
    FACET_NAMES,
    Hit,
    SearchQuery,
    SearchResult,
)

FEW_HITS = 3
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"

# (title noun, category slug, category names, kind, price range in cents)
PRODUCTS = [
    ("Confiture", "epicerie-sucree", "Confitures, miels et douceurs Alimentation", "product", (350, 900)),
    ("Miel", "epicerie-sucree", "Confitures, miels et douceurs Alimentation", "product", (700, 1600)),
    ("Sirop", "jus-sirops", "Jus et sirops Boissons", "product", (500, 1200)),
    ("Jus", "jus-sirops", "Jus et sirops Boissons", "product", (300, 800)),
    ("Fromage", "cremerie", "Crèmerie et fromages Alimentation", "product", (400, 3500)),
    ("Tomme", "cremerie", "Crèmerie et fromages Alimentation", "product", (1500, 3000)),
    ("Panier de légumes", "fruits-legumes", "Fruits, légumes et paniers Alimentation", "product", (1000, 3000)),
    ("Farine", "boulangerie", "Boulangerie et céréales Alimentation", "product", (250, 1500)),
    ("Pain", "boulangerie", "Boulangerie et céréales Alimentation", "product", (300, 800)),
    ("Café", "cafes-thes", "Cafés, thés et infusions Boissons", "product", (600, 2200)),
    ("Tisane", "cafes-thes", "Cafés, thés et infusions Boissons", "product", (450, 900)),
    ("Savon", "savons", "Savons et soins Hygiène & beauté", "product", (400, 900)),
    ("Baume", "cosmetiques", "Cosmétiques naturels Hygiène & beauté", "product", (800, 2000)),
    ("Vélo", "velos-reconditionnes", "Vélos reconditionnés Mobilité", "product", (9000, 95000)),
    ("Ordinateur portable", "informatique-reconditionnee", "Informatique reconditionnée", "product", (15000, 45000)),
    ("Table", "bois-mobilier", "Bois et mobilier Maison", "product", (8000, 60000)),
    ("Chaise", "mobilier-occasion", "Mobilier d'occasion Réemploi & seconde main", "product", (2500, 9000)),
    ("Sac", "linge-accessoires", "Linge et accessoires Textile", "product", (900, 3500)),
    ("Bonnet", "vetements", "Vêtements Textile", "product", (1500, 3500)),
    ("Réparation de vélo", "reparation-velo", "Réparation et entretien de vélos Mobilité", "service", (1500, 6000)),
    ("Ménage", "nettoyage", "Nettoyage", "service", (2000, 3500)),
    ("Entretien d'espaces verts", "espaces-verts", "Espaces verts", "service", (2500, 4500)),
    ("Buffet traiteur", "traiteur-restauration", "Traiteur & restauration", "service", (1200, 3000)),
    ("Conditionnement", "logistique-conditionnement", "Logistique et conditionnement Services aux entreprises", "service", (2000, 4000)),
    ("Tenue de comptabilité", "conseil-comptabilite", "Conseil, gestion et comptabilité Services aux entreprises", "service", (5000, 150000)),
    ("Séjour solidaire", "voyages-solidaires", "Voyages solidaires", "service", (25000, 150000)),
]
QUALIFIERS = [
    "de framboises", "de myrtilles", "d'abricots", "de châtaigne", "de lavande", "de montagne", "fermier",
    "artisanal", "de saison", "épicé", "à l'ancienne", "reconditionné", "en chêne", "en laine mérinos",
    "au lait cru", "de seigle", "d'épeautre", "équitable", "du Pérou", "électrique", "pour enfants",
    "familial", "en vrac", "bio", "zéro déchet", "à domicile", "d'entreprise", "en insertion", "du Vercors",
]
ORIGINS = [
    ("Grenoble", "38"), ("Voiron", "38"), ("Vienne", "38"), ("Lyon", "69"), ("Villeurbanne", "69"),
    ("Chambéry", "73"), ("Annecy", "74"), ("Thonon-les-Bains", "74"), ("Valence", "26"), ("Die", "26"),
    ("Saint-Étienne", "42"), ("Roanne", "42"), ("Clermont-Ferrand", "63"), ("Thiers", "63"),
    ("Aurillac", "15"), ("Le Puy-en-Velay", "43"), ("Aubenas", "07"), ("Privas", "07"),
    ("Bourg-en-Bresse", "01"), ("Oyonnax", "01"), ("Moulins", "03"), ("Montluçon", "03"),
]
VENDOR_WORDS = ["Jardins", "Ateliers", "Cuisines", "Paysans", "Coopérative", "Fruitière", "Ressourcerie", "Comptoir", "Relais"]
VENDOR_PLACES = ["des Cimes", "du Drac", "de la Gresse", "du Vercors", "des Deux Rives", "du Bocage", "du Diois", "des Sucs"]
LEGAL_FORMS = ["association", "scop", "scic", "cooperative", "siae_aci", "siae_ei", "ea", "esat", "esus"]
SECTORS = ["Alimentation", "Commerce équitable", "Insertion par l'activité économique", "Réemploi", "Mobilité douce"]
LABELS = ["bio", "equitable", "local", "reemploi", "fait_main", "insertion", "handicap"]
SENTENCES = [
    "Produit par notre équipe en {commune}, avec des matières premières locales.",
    "Chaque achat soutient l'emploi de personnes éloignées de l'emploi.",
    "Récolté et préparé à la main, sans additif ni conservateur.",
    "Livraison possible dans tout le département, retrait sur place le samedi.",
    "Fabriqué dans un atelier protégé par des travailleurs en situation de handicap.",
    "Nos producteurs associés travaillent en agriculture biologique depuis vingt ans.",
    "Entièrement révisé et garanti un an par nos techniciens.",
    "Intervention chez les particuliers et les entreprises, devis gratuit.",
    "Emballage consigné, à rapporter au point de retrait.",
    "Une démarche de commerce équitable avec des coopératives partenaires.",
]

# The fixed query mix: (group, text, filters).
QUERY_MIX: list[tuple[str, str, dict[str, list[str]]]] = [
    ("simple", "confiture", {}),
    ("simple", "vélo", {}),
    ("simple", "fromage", {}),
    ("simple", "savon", {}),
    ("simple", "ménage", {}),
    ("two words", "confiture framboises", {}),
    ("two words", "vélo électrique", {}),
    ("two words", "miel montagne", {}),
    ("two words", "tisane lavande", {}),
    ("typo", "confitrue", {}),
    ("typo", "ordinatuer portable", {}),
    ("typo", "fromgae", {}),
    ("facets", "miel", {"labels": ["bio"], "price_band": ["10-25"]}),
    ("facets", "café équitable", {"kind": ["product"], "labels": ["equitable"]}),
    ("facets", "", {"category": ["cremerie"], "price_band": ["0-10", "10-25"]}),
    ("département", "panier de légumes", {"departement": ["38"]}),
    ("département", "réparation vélo", {"departement": ["69", "38"]}),
    ("département", "", {"departement": ["63"], "kind": ["service"]}),
]


def synthetic_documents(n: int, seed: int = 42):
    rng = random.Random(seed)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    vendors = []
    for i in range(max(10, n // 50)):
        commune, dep = rng.choice(ORIGINS)
        vendors.append(
            {
                "name": f"{rng.choice(VENDOR_WORDS)} {rng.choice(VENDOR_PLACES)} {i}",
                "slug": f"structure-{i}",
                "legal_form": rng.choice(LEGAL_FORMS),
                "sectors": rng.sample(SECTORS, 2),
                "commune": commune,
                "departement": dep,
            }
        )
    for i in range(1, n + 1):
        noun, cat_slug, cat_names, kind, (low, high) = rng.choice(PRODUCTS)
        vendor = rng.choice(vendors)
        title = f"{noun} {rng.choice(QUALIFIERS)}"
        if rng.random() < 0.5:
            title += f" {rng.choice(QUALIFIERS)}"
        description = " ".join(
            s.format(commune=vendor["commune"]) for s in rng.sample(SENTENCES, 3)
        )
        price = rng.randrange(low, high)
        yield {
            "id": f"offer-{i}",
            "kind": kind,
            "title": title,
            "description": f"{title}. {description}",
            "category": cat_names,
            "category_slug": cat_slug,
            "labels": rng.sample(LABELS, rng.randrange(0, 3)),
            "vendor_name": vendor["name"],
            "vendor_slug": vendor["slug"],
            "sectors": vendor["sectors"],
            "legal_form": vendor["legal_form"],
            "commune": vendor["commune"],
            "departement": vendor["departement"],
            "price_cents": price,
            "channel": rng.choice(["b2c", "b2b", "both"]),
            "published_at": start + dt.timedelta(minutes=i),
            "url": f"/offres/{i}",
        }


# ------------------------------------------------------------------ baseline


class LikeBaseline:
    """What a first version would do: ILIKE on every word, GROUP BY per facet."""

    name = "like"

    def search(self, query: SearchQuery) -> SearchResult:
        conditions, params = [], {}
        for i, term in enumerate(query.text.split()):
            params[f"t{i}"] = f"%{term}%"
            conditions.append(
                f"(title ILIKE :t{i} OR description ILIKE :t{i} OR category ILIKE :t{i} "
                f"OR vendor_name ILIKE :t{i} OR commune ILIKE :t{i})"
            )
        for name, values in query.filters.items():
            params[f"f_{name}"] = values
            if name == "labels":
                conditions.append("labels && CAST(:f_labels AS text[])")
            elif name == "category":
                conditions.append("category_slug = ANY(:f_category)")
            else:
                conditions.append(f"{name} = ANY(:f_{name})")
        where = " AND ".join(conditions) or "TRUE"
        session = db.session
        total = session.execute(sa.text(f"SELECT count(*) FROM search.document WHERE {where}"), params).scalar()
        rows = session.execute(
            sa.text(
                f"SELECT id, kind, title, url, price_cents FROM search.document WHERE {where} "
                f"ORDER BY published_at DESC LIMIT 20"
            ),
            params,
        ).all()
        facets = {}
        for name in FACET_NAMES:
            column = "unnest(labels)" if name == "labels" else ("category_slug" if name == "category" else name)
            facets[name] = [
                tuple(r)
                for r in session.execute(
                    sa.text(f"SELECT {column} AS v, count(*) FROM search.document WHERE {where} GROUP BY 1"),
                    params,
                )
            ]
        hits = [Hit(id=r.id, kind=r.kind, title=r.title, url=r.url, snippet_html="", price_cents=r.price_cents) for r in rows]
        return SearchResult(hits=hits, total=total, facets=facets)


# ------------------------------------------------------------------ measures


def run_query(backend, text: str, filters: dict) -> SearchResult:
    """The query service's policy: exact first, fuzzy retry when few hits."""
    query = SearchQuery(text=text, filters=filters, per_page=20)
    result = backend.search(query)
    if backend.name != "like" and terms(text) and result.total < FEW_HITS:
        fuzzy = backend.search(SearchQuery(text=text, filters=filters, per_page=20, fuzzy=True))
        if fuzzy.total > result.total:
            return fuzzy
    return result


def measure(backend, rounds: int, first_time: bool = False) -> dict:
    """Latencies (ms) over ``rounds`` passes of the query mix, after a warm-up pass.

    ``first_time``: the backend's caches are cleared before each query.
    """
    for _group, text, filters in QUERY_MIX:  # warm-up
        run_query(backend, text, filters)
    timings: list[float] = []
    cpu: list[float] = []
    by_group: dict[str, list[float]] = {}
    totals = {}
    load_before = os.getloadavg()[0]
    for _ in range(rounds):
        for group, text, filters in QUERY_MIX:
            if first_time and hasattr(backend, "clear_caches"):
                backend.clear_caches()
            t0, c0 = time.perf_counter(), time.process_time()
            result = run_query(backend, text, filters)
            elapsed = (time.perf_counter() - t0) * 1000
            cpu.append((time.process_time() - c0) * 1000)
            timings.append(elapsed)
            by_group.setdefault(group, []).append(elapsed)
            totals[(text, tuple(sorted(filters)))] = result.total
    load = (load_before + os.getloadavg()[0]) / 2
    return {"all": timings, "cpu": cpu, "groups": by_group, "totals": totals, "load": load}


def indexed_count(backend) -> int:
    """How many documents the backend's index holds (0 if it has none)."""
    try:
        return backend.search(SearchQuery(text="", per_page=1)).total
    except Exception:  # noqa: BLE001 - no usable index
        db.session.rollback()
        return 0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def postgres_size() -> int:
    return db.session.execute(
        sa.text("SELECT pg_total_relation_size('search.document') + pg_total_relation_size('search.word')")
    ).scalar()


def human_size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=10, help="passes over the query mix")
    parser.add_argument("--backends", default="whoosh,postgres,like")
    parser.add_argument("--database-url", help="a PostgreSQL database to use (its search schema is overwritten)")
    parser.add_argument("--server-url", default=DEFAULT_SERVER, help="where to create a temporary database")
    parser.add_argument("--index-dir", help="where to build the Whoosh index (kept); a temporary directory by default")
    parser.add_argument("--reuse", action="store_true", help="reuse indexes that already hold the N offers")
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]

    with ExitStack() as stack:
        url = args.database_url
        if url is None and any(b in ("postgres", "like") for b in backends):
            from tests.pgdb import temporary_database

            url = stack.enter_context(temporary_database(args.server_url, prefix="ms_bench"))
        workdir = Path(tempfile.mkdtemp(prefix="search-bench-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        whoosh_dir = Path(args.index_dir) if args.index_dir else workdir / "whoosh"
        app = create_app(
            {"ENV_NAME": "testing", "DATABASE_URL": url or f"sqlite:///{workdir / 'bench.db'}",
             "SEARCH_INDEX_DIR": str(workdir / "index")}
        )
        stack.enter_context(app.app_context())

        print(f"Search benchmark: {args.offers:,} synthetic offers, {len(QUERY_MIX)} queries x {args.rounds} rounds, "
              f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}", flush=True)
        rows = []
        pg_built = False
        for name in backends:
            if name == "whoosh":
                from marketplace.search.backends.whoosh_backend import WhooshBackend

                backend = WhooshBackend(whoosh_dir)
                build = None
                if not (args.reuse and backend.exists() and indexed_count(backend) == args.offers):
                    t0 = time.perf_counter()
                    backend.rebuild(synthetic_documents(args.offers))
                    build = time.perf_counter() - t0
                size = directory_size(whoosh_dir)
            elif name == "postgres" or (name == "like" and not pg_built):
                from marketplace.search.backends.postgres_backend import PostgresBackend

                backend = PostgresBackend()
                build = None
                if not (args.reuse and indexed_count(backend) == args.offers):
                    t0 = time.perf_counter()
                    backend.rebuild(synthetic_documents(args.offers))
                    build = time.perf_counter() - t0
                size = postgres_size()
                pg_built = True
                if name == "like":
                    backend, build, size = LikeBaseline(), None, None
            elif name == "like":
                backend, build, size = LikeBaseline(), None, None
            else:
                parser.error(f"unknown backend {name}")
            print(f"  {name}: index {'built' if build is not None else 'ready'}, measuring…", flush=True)
            rows.append((name, build, size, measure(backend, args.rounds)))
            db.session.rollback()
            if name != "like":
                print(f"  {name}: measuring queries seen for the first time…", flush=True)
                rows.append((f"{name} (first time)", None, None, measure(backend, args.rounds, first_time=True)))
                db.session.rollback()

        print()
        groups = list(dict.fromkeys(g for g, _, _ in QUERY_MIX))
        header = ["backend", "offers", "build", "index size", "load", "p50 ms", "p95 ms"] + [f"p95 {g}" for g in groups]
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join("---" for _ in header) + "|")
        for name, build, size, result in rows:
            cells = [
                name,
                f"{args.offers:,}",
                "-" if build is None else f"{build:.1f} s",
                ("(table scan)" if name == "like" else "-") if size is None else human_size(size),
                f"{result['load']:.1f}",
                f"{percentile(result['all'], 50):.1f}",
                f"{percentile(result['all'], 95):.1f}",
            ] + [f"{percentile(result['groups'][g], 95):.1f}" for g in groups]
            print("| " + " | ".join(cells) + " |")
        for name, _build, _size, result in rows:
            if name.startswith("whoosh"):  # everything runs in this process: its CPU time is the idle-machine latency
                print(f"{name}: CPU time per query p50 {percentile(result['cpu'], 50):.1f} ms, "
                      f"p95 {percentile(result['cpu'], 95):.1f} ms")
        print()
        print("Hits per query (total):")
        for group, text, filters in QUERY_MIX:
            key = (text, tuple(sorted(filters)))
            counts = ", ".join(f"{name} {r['totals'][key]}" for name, _, _, r in rows if "(" not in name)
            print(f"  {group:<12} {text or '(empty)'!r:<26} {filters or ''}  {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
