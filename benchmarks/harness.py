"""What the load and fault scripts share: a generated catalogue, the served app
(gunicorn) and the Stripe simulator as child processes, Locust runs, figures.

Only loopback addresses are used; every child process is stopped on exit.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

PASSWORD = "charge-solidaire-2026"  # noqa: S105 (the generated accounts of a benchmark)
CONSUMER_EMAIL = "client{}@charge.example"
OWNER_EMAIL = "vendeur{}@charge.example"
HOST = "127.0.0.1"


# ------------------------------------------------------------------ machine


def load_average() -> str:
    """The machine's load average (1, 5, 15 min), as uptime prints it."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def children_of(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return sorted(out)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has consumed (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds spent by a changing set of processes (``pids()``) between start and stop.

    Unlike wall-clock figures, this hardly depends on what else the machine runs."""

    def __init__(self, pids) -> None:
        self.pids = pids
        self.before: dict[int, float] = {}

    def start(self) -> None:
        self.before = {pid: cpu_seconds(pid) for pid in self.pids()}

    def stop(self) -> float:
        pids = set(self.before) | set(self.pids())
        return sum(max(0.0, cpu_seconds(pid) - self.before.get(pid, 0.0)) for pid in pids)


def database_backends(database_url: str) -> list[int]:
    """Server processes of the connections open to this database (ours excluded)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )).scalars())
    finally:
        engine.dispose()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# ------------------------------------------------------------------ data


@dataclass
class Catalogue:
    offers: int
    vendors: int
    consumers: list[str]
    owners: list[tuple[str, int]]  # (e-mail, vendor id)
    sample_offers: list[tuple[int, str]]  # (id, slug) of visible offers
    buyable: list[tuple[int, str, int]]  # (id, slug, vendor id), sold online, unlimited stock
    categories: list[str]
    vendor_slugs: list[str]


def prepare_schema(app, migrate: bool = False) -> None:
    """The tables of the models (as the tests make them), or the migrations' with ``migrate``."""
    from marketplace.extensions import db

    with app.app_context():
        if migrate:
            from flask_migrate import upgrade

            upgrade()
        db.create_all()


def generate(app, offers: int, vendors: int, consumers: int = 32, owners: int = 8,
             orders_per_owner: int = 40, seed: int = 7) -> None:
    """A large catalogue in bulk inserts: approved structures, published offers with
    labels, consumers and structure owners (with past paid orders), all with PASSWORD."""
    from benchmarks.search import (
        LABELS,
        LEGAL_FORMS,
        ORIGINS,
        PRODUCTS,
        QUALIFIERS,
        SENTENCES,
        VENDOR_PLACES,
        VENDOR_WORDS,
    )
    from marketplace.accounts.auth import hash_password
    from marketplace.catalogue.models import (
        Category,
        Channels,
        Label,
        Offer,
        OfferKind,
        OfferLabel,
        OfferStatus,
        Unit,
    )
    from marketplace.core.identifiers import make_siret
    from marketplace.extensions import db
    from marketplace.search.analysis import fold
    from marketplace.vendors.models import (
        LegalForm,
        MemberRole,
        Sector,
        Vendor,
        VendorSector,
        VendorStatus,
    )
    from seeds.catalogue import CATEGORY_TREE

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        conn = db.session.connection()
        category_ids: dict[str, int] = {}
        for position, (slug, name, children) in enumerate(CATEGORY_TREE):
            parent = Category(slug=slug, name=name, position=position)
            db.session.add(parent)
            db.session.flush()
            category_ids[slug] = parent.id
            for child_position, (child_slug, child_name) in enumerate(children):
                child = Category(slug=child_slug, name=child_name, position=child_position, parent_id=parent.id)
                db.session.add(child)
                db.session.flush()
                category_ids[child_slug] = child.id
        leaves = [slug for _s, _n, children in CATEGORY_TREE for slug, _c in children]

        vendor_rows, sector_rows = [], []
        for i in range(1, vendors + 1):
            commune, dep = rng.choice(ORIGINS)
            name = f"{rng.choice(VENDOR_WORDS)} {rng.choice(VENDOR_PLACES)} {i}"
            vendor_rows.append({
                "id": i, "slug": f"structure-charge-{i}", "name": name, "legal_name": f"{name} SCOP",
                "siret": make_siret(700_000_000 + i), "legal_form": LegalForm(rng.choice(LEGAL_FORMS)),
                "address": f"{i} rue du Marché", "postal_code": f"{dep}000", "commune": commune,
                "departement_code": dep, "region_code": "84",
                "description": f"{name} : structure de l'économie sociale et solidaire à {commune}.",
                "status": VendorStatus.APPROVED, "approved_at": now - dt.timedelta(days=30),
                "approval_expires_at": now + dt.timedelta(days=335), "created_at": now, "updated_at": now,
            })
            for sector in rng.sample(list(Sector), 2):
                sector_rows.append({"vendor_id": i, "sector": sector})
        conn.execute(sa.insert(Vendor.__table__), vendor_rows)
        conn.execute(sa.insert(VendorSector.__table__), sector_rows)

        labels = [Label(v) for v in LABELS]
        offer_rows, label_rows = [], []
        start = now - dt.timedelta(minutes=offers + 10)
        for i in range(1, offers + 1):
            noun, cat_slug, _names, kind, (low, high) = rng.choice(PRODUCTS)
            title = f"{noun} {rng.choice(QUALIFIERS)}"
            if rng.random() < 0.5:
                title += f" {rng.choice(QUALIFIERS)}"
            vendor_id = rng.randrange(1, vendors + 1)
            text = f"{title}. " + " ".join(s.format(commune="la vallée") for s in rng.sample(SENTENCES, 3))
            slug = re.sub(r"[^a-z0-9]+", "-", fold(title).lower()).strip("-")[:150] + f"-{i}"
            b2b = rng.random() < 0.15
            offer_rows.append({
                "id": i, "vendor_id": vendor_id,
                "category_id": category_ids.get(cat_slug) or category_ids[rng.choice(leaves)],
                "kind": OfferKind(kind), "title": title[:160], "slug": slug,
                "description_text": text, "description_html": f"<p>{text}</p>",
                "price_cents": rng.randrange(low, high), "vat_rate_bp": 550 if kind == "product" else 2000,
                "unit": Unit.PIECE if kind == "product" else Unit.HOUR,
                "stock": None if rng.random() < 0.5 else rng.randrange(100, 1000),
                "channels": Channels.B2B if b2b else rng.choice([Channels.B2C, Channels.BOTH]),
                "pickup": True, "pickup_hours": "Mercredi et samedi, 9 h – 12 h", "delivery": False,
                "delivery_fee_cents": 0, "status": OfferStatus.PUBLISHED,
                "published_at": start + dt.timedelta(minutes=i), "created_at": now, "updated_at": now,
            })
            for label in rng.sample(labels, rng.randrange(0, 3)):
                label_rows.append({"offer_id": i, "label": label})
            if len(offer_rows) >= 5000:
                conn.execute(sa.insert(Offer.__table__), offer_rows)
                offer_rows = []
        if offer_rows:
            conn.execute(sa.insert(Offer.__table__), offer_rows)
        for chunk in range(0, len(label_rows), 20000):
            conn.execute(sa.insert(OfferLabel.__table__), label_rows[chunk:chunk + 20000])
        if conn.dialect.name == "postgresql":
            for table in ("vendor", "offer"):
                conn.execute(sa.text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))  # noqa: S608

        from marketplace.accounts.models import User
        from marketplace.vendors.models import VendorMembership

        password_hash = hash_password(PASSWORD)
        for i in range(consumers):
            db.session.add(User(email=CONSUMER_EMAIL.format(i), display_name=f"Client {i}", password_hash=password_hash,
                                verified_at=now, postal_code="38000"))
        for i in range(owners):
            user = User(email=OWNER_EMAIL.format(i), display_name=f"Vendeur {i}", password_hash=password_hash,
                        verified_at=now)
            db.session.add(user)
            db.session.flush()
            db.session.add(VendorMembership(user_id=user.id, vendor_id=i + 1, role=MemberRole.OWNER))
        db.session.flush()
        _past_orders(db.session, owners, orders_per_owner, rng, now)
        db.session.commit()
        for table in ("vendor", "offer", "offer_label", "user"):
            if conn.dialect.name == "postgresql":
                db.session.execute(sa.text(f'ANALYZE "{table}"'))
        db.session.commit()


def _past_orders(session, owners: int, per_owner: int, rng: random.Random, now: dt.datetime) -> None:
    """Completed, paid and transferred orders for the owners' structures (their dashboards show them)."""
    from marketplace.accounts.models import User
    from marketplace.catalogue.models import Offer
    from marketplace.payments.models import Payment, PaymentStatus, Transfer, TransferStatus
    from marketplace.shop.models import (
        OrderGroup,
        OrderGroupStatus,
        OrderLine,
        VendorOrder,
        VendorOrderStatus,
    )

    consumer = session.scalar(sa.select(User).where(User.email == CONSUMER_EMAIL.format(0)))
    for vendor_id in range(1, owners + 1):
        offers = list(session.scalars(sa.select(Offer).where(Offer.vendor_id == vendor_id).limit(5)))
        if not offers:
            continue
        for n in range(per_owner):
            offer = rng.choice(offers)
            quantity = rng.randrange(1, 4)
            total = offer.price_cents * quantity
            paid_at = now - dt.timedelta(days=rng.randrange(1, 170), hours=rng.randrange(0, 24))
            group = OrderGroup(consumer_id=consumer.id, contact_name="Client 0", contact_email=consumer.email,
                               status=OrderGroupStatus.PAID, total_cents=total, paid_at=paid_at,
                               expires_at=paid_at, created_at=paid_at)
            part = VendorOrder(order_group=group, vendor_id=vendor_id, status=VendorOrderStatus.COMPLETED,
                               subtotal_cents=total, total_cents=total, commission_bp=500,
                               commission_cents=total * 5 // 100, paid_at=paid_at, completed_at=paid_at,
                               created_at=paid_at)
            part.lines.append(OrderLine(offer_id=offer.id, title=offer.title, unit_price_cents=offer.price_cents,
                                        vat_rate_bp=offer.vat_rate_bp, quantity=quantity, total_cents=total))
            session.add_all([group, part])
            session.flush()
            session.add(Payment(order_group_id=group.id, checkout_session_id=f"cs_charge_{vendor_id}_{n}",
                                amount_cents=total, status=PaymentStatus.SUCCEEDED))
            session.add(Transfer(vendor_order_id=part.id, vendor_id=vendor_id, amount_cents=total - total * 5 // 100,
                                 status=TransferStatus.PAID, idempotency_key=f"transfer-vo-{part.id}"))
        session.flush()


def describe(app, sample: int = 2000, seed: int = 11) -> Catalogue:
    """What the load users need to know of the generated data."""
    from marketplace.accounts.models import User
    from marketplace.catalogue.models import Category, Channels, Offer
    from marketplace.catalogue.services import visible_offers_query
    from marketplace.extensions import db
    from marketplace.vendors.models import Vendor, VendorMembership, VendorStatus

    rng = random.Random(seed)
    with app.app_context():
        session = db.session
        total = session.scalar(sa.select(sa.func.count()).select_from(Offer)) or 0
        ids = session.scalars(visible_offers_query().with_only_columns(Offer.id)).all()
        picked = sorted(rng.sample(list(ids), min(sample, len(ids))))
        rows = session.execute(
            sa.select(Offer.id, Offer.slug, Offer.vendor_id, Offer.channels, Offer.stock).where(Offer.id.in_(picked))
        ).all()
        consumers = list(session.scalars(sa.select(User.email).where(User.email.like("client%@charge.example"))))
        owners = session.execute(
            sa.select(User.email, VendorMembership.vendor_id).join(VendorMembership)
            .where(User.email.like("vendeur%@charge.example"))
        ).all()
        return Catalogue(
            offers=total,
            vendors=session.scalar(sa.select(sa.func.count()).select_from(Vendor)) or 0,
            consumers=sorted(consumers),
            owners=[tuple(r) for r in owners],
            sample_offers=[(r.id, r.slug) for r in rows],
            buyable=[(r.id, r.slug, r.vendor_id) for r in rows
                     if r.channels in (Channels.B2C, Channels.BOTH) and r.stock is None],
            categories=list(session.scalars(sa.select(Category.slug))),
            vendor_slugs=list(session.scalars(
                sa.select(Vendor.slug).where(Vendor.status == VendorStatus.APPROVED).limit(200))),
        )


def build_search_index(app) -> int:
    from marketplace.search import service

    with app.app_context():
        return service.reindex()


# ------------------------------------------------------------------ processes


@dataclass
class Served:
    url: str
    process: subprocess.Popen

    @property
    def workers(self) -> list[int]:
        return children_of(self.process.pid)


def app_environment(database_url: str, workdir: Path, app_port: int, sim_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "STRIPE_"))}
    env.update(
        MARKETPLACE_ENV="development",
        DATABASE_URL=database_url,
        SEARCH_BACKEND="postgres" if database_url.startswith("postgresql") else "whoosh",
        SEARCH_INDEX_DIR=str(workdir / "search-index"),
        UPLOAD_DIR=str(workdir / "uploads"),
        PAGE_CACHE_DIR=str(workdir / "page-cache"),
        STRIPE_API_BASE=f"http://{HOST}:{sim_port}",
        PLATFORM_URL=f"http://{HOST}:{app_port}",
        STRIPE_SIMULATOR_STATE=str(workdir / "stripe-simulator.sqlite3"),
        SECRET_KEY=secrets.token_hex(32),
        # Every simulated user comes from 127.0.0.1: the per-address limits would refuse them.
        RATELIMIT_ENABLED="false",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 60, path: str = "/healthz") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(url + path, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    _stop(process)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s:\n{tail}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def simulator(env: dict[str, str], port: int, webhook_url: str, log: Path):
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603
            [str(BIN / "flask"), "--app", "marketplace:create_app", "stripe-simulator", "--port", str(port),
             "--webhook-url", webhook_url],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(f"http://{HOST}:{port}", process, log, path="/")
        yield f"http://{HOST}:{port}"
    finally:
        _stop(process)


@contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int, log: Path, app: str = "marketplace:create_app()",
             health: str = "/healthz", extra: tuple[str, ...] = ()):
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"{HOST}:{port}", "--timeout", "60",
             "--graceful-timeout", "10", "--chdir", str(ROOT), *extra, app],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )
    served = Served(f"http://{HOST}:{port}", process)
    try:
        wait_until_up(served.url, process, log, path=health)
        yield served
    finally:
        _stop(process)


# ------------------------------------------------------------------ locust


@dataclass
class Stat:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float


def visit(base_url: str, paths: list[str], threads: int = 4) -> None:
    """Each page once (in a few threads), as its first visitors would."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda path: requests.get(base_url + path, timeout=30), paths))


def run_locust(host: str, scenario: str, fixture: Path, users: int, seconds: float, workdir: Path,
               think: str = "0.5,1.5", extra_env: dict[str, str] | None = None) -> dict[str, Stat]:
    """A headless Locust run of ``scenario`` (see benchmarks/locustfile.py); stats per request name."""
    prefix = workdir / f"locust-{scenario.replace(':', '-')}-{int(time.time())}"
    env = dict(os.environ, LOAD_FIXTURE=str(fixture), LOAD_SCENARIO=scenario, LOAD_THINK=think,
               **(extra_env or {}))
    command = [
        str(BIN / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
        "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{max(1, int(seconds))}s",
        "--host", host, "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
        "--loglevel", "ERROR", "--exit-code-on-error", "0",
    ]
    log = workdir / "locust.log"
    with log.open("ab") as out:
        subprocess.run(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False,  # noqa: S603
                       timeout=seconds + 120)
    if not Path(f"{prefix}_stats.csv").exists():
        raise RuntimeError(f"Locust wrote no statistics:\n{log.read_text(errors='replace')[-3000:]}")
    stats = {}
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            name = "total" if row["Name"] == "Aggregated" else row["Name"]
            stats[name] = Stat(
                name=name, requests=int(row["Request Count"]), failures=int(row["Failure Count"]),
                rps=float(row["Requests/s"]), p50=_ms(row["50%"]), p95=_ms(row["95%"]), p99=_ms(row["99%"]),
            )
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        shutil.copy(failures, workdir / "last-failures.csv")
    return stats


def _ms(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return float("nan")


def write_fixture(catalogue: Catalogue, path: Path, tenders: bool, simulator_url: str) -> Path:
    data = {**catalogue.__dict__, "password": PASSWORD, "tenders": tenders, "simulator": simulator_url}
    path.write_text(json.dumps(data))
    return path
