"""Fault benchmark: PostgreSQL restarted under load, the search index deleted and corrupted.

    .venv/bin/python benchmarks/faults.py                 # both parts
    .venv/bin/python benchmarks/faults.py --only database --duration 60s

(a) database: a private PostgreSQL cluster (initdb in a temporary directory,
    on its own port, run as the ``postgres`` system user when started as root)
    serves the app (gunicorn) and the Stripe simulator; shoppers buy and pay
    through the simulator while visitors browse. PostgreSQL is restarted in
    the middle. A probe asks for the home page every 0.1 s and records how long
    the app answered with errors, and which. Then the consistency checks:
    every session paid on the simulator has exactly one succeeded payment and
    a paid order; no payment, order, transfer, Stripe event or committee
    decision is duplicated.
(b) search: the app on the Whoosh index; while searches are served, the index
    directory is deleted, then its files are overwritten with garbage. No search
    may fail; the fallback and the rebuild are read from the app's log; the
    index must be whole again at the end.

Prints the figures and exits with 1 if a check fails.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from pathlib import Path

import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness  # noqa: E402
from benchmarks.load import seconds  # noqa: E402
from marketplace import create_app  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql")


def _pg_tool(name: str) -> str:
    found = sorted(PG_BIN.glob(f"*/bin/{name}"))
    return str(found[-1]) if found else (shutil.which(name) or name)


# ------------------------------------------------------------------ private cluster


class Cluster:
    """A throw-away PostgreSQL cluster on a port of its own."""

    def __init__(self, root: Path, port: int) -> None:
        self.data = root / "pgdata"
        self.sockets = root / "sockets"
        self.log = root / "postgres.log"
        self.port = port
        self.url = f"postgresql+psycopg://postgres@{harness.HOST}:{port}/postgres"

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # noqa: S603

    def init(self) -> None:
        self.sockets.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.data.parent, "postgres")
            shutil.chown(self.sockets, "postgres")
        self._run(_pg_tool("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")

    def pg_ctl(self, action: str) -> None:
        self._run(_pg_tool("pg_ctl"), action, "-D", str(self.data), "-l", str(self.log), "-w", "-m", "fast",
                  "-o", f"-p {self.port} -k {self.sockets} -c listen_addresses={harness.HOST}")

    @contextmanager
    def running(self):
        self.init()
        self.pg_ctl("start")
        try:
            yield self
        finally:
            self.pg_ctl("stop")


# ------------------------------------------------------------------ probing


class Probe(threading.Thread):
    """GET ``path`` every ``interval`` seconds; keeps (time, status, error page?)."""

    def __init__(self, url: str, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.url, self.interval = url, interval
        self.samples: list[tuple[float, int, bool]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            t = time.monotonic()
            try:
                answer = requests.get(self.url, timeout=5)
                self.samples.append((t, answer.status_code, "Service momentanément indisponible" in answer.text))
            except requests.RequestException:
                self.samples.append((t, 0, False))
            self.stop.wait(self.interval)

    def failures_between(self, start: float, end: float) -> list[tuple[float, int, bool]]:
        return [s for s in self.samples if start <= s[0] <= end and s[1] != 200]


# ------------------------------------------------------------------ (a) database


def consistency(database_url: str, simulator_url: str) -> list[tuple[str, bool, str]]:
    """(check, passed, detail) rows."""
    events = requests.get(simulator_url + "/_simulator/events", timeout=30).json()["data"]
    paid_sessions = {
        e["data"]["object"]["id"] for e in events
        if e["type"] == "checkout.session.completed" and e["data"]["object"].get("payment_status") == "paid"
    }
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            payments = conn.execute(sa.text(
                "SELECT p.checkout_session_id, p.status, g.status, g.paid_at IS NOT NULL "
                "FROM payment p JOIN order_group g ON g.id = p.order_group_id "
                "WHERE p.checkout_session_id NOT LIKE 'cs_charge_%'"  # the generated past orders
            )).all()

            def duplicates(sql: str) -> int:
                return conn.execute(sa.text(f"SELECT count(*) FROM ({sql}) AS d")).scalar_one()  # noqa: S608

            dup_payments = duplicates("SELECT checkout_session_id FROM payment GROUP BY 1 HAVING count(*) > 1")
            dup_events = duplicates("SELECT event_id FROM stripe_event GROUP BY 1 HAVING count(*) > 1")
            dup_transfers = duplicates("SELECT vendor_order_id FROM transfer GROUP BY 1 HAVING count(*) > 1")
            dup_parts = duplicates(
                "SELECT order_group_id, vendor_id FROM vendor_order WHERE order_group_id IS NOT NULL "
                "GROUP BY 1, 2 HAVING count(*) > 1")
            dup_decisions = duplicates("SELECT application_id FROM decision GROUP BY 1 HAVING count(*) > 1")
            tables = set(sa.inspect(conn).get_table_names())
            dup_bids = (duplicates("SELECT lot_id, lead_vendor_id FROM bid WHERE status = 'submitted' "
                                   "GROUP BY 1, 2 HAVING count(*) > 1") if "bid" in tables else 0)
            stock_negative = conn.execute(sa.text("SELECT count(*) FROM offer WHERE stock < 0")).scalar_one()
    finally:
        engine.dispose()
    succeeded = {row[0] for row in payments if row[1] == "succeeded"}
    paid_groups = {row[0] for row in payments if row[1] == "succeeded" and row[2] == "paid" and row[3]}
    lost = paid_sessions - succeeded
    unknown = succeeded - paid_sessions
    states = {row[0]: f"{row[0]}: payment {row[1]}, order {row[2]}" for row in payments}
    lost_detail = "; ".join(states.get(sid, f"{sid}: no payment row") for sid in sorted(lost))
    return [
        ("sessions paid on the simulator", True, str(len(paid_sessions))),
        ("each has a succeeded payment (none lost)", not lost, f"{len(lost)} missing ({lost_detail})" if lost else "ok"),
        ("each succeeded payment was paid on the simulator", not unknown, f"{len(unknown)} unknown" if unknown else "ok"),
        ("their orders are paid", paid_groups == succeeded, f"{len(paid_groups)}/{len(succeeded)}"),
        ("no duplicated payment", dup_payments == 0, str(dup_payments)),
        ("no Stripe event processed twice", dup_events == 0, str(dup_events)),
        ("no duplicated vendor order", dup_parts == 0, str(dup_parts)),
        ("no duplicated transfer", dup_transfers == 0, str(dup_transfers)),
        ("no duplicated committee decision", dup_decisions == 0, str(dup_decisions)),
        ("no duplicated submitted bid", dup_bids == 0, str(dup_bids)),
        ("no negative stock", stock_negative == 0, str(stock_negative)),
    ]


def database_fault(args, workdir: Path) -> bool:
    print(f"\n(a) PostgreSQL restarted under load; load average {harness.load_average()}", flush=True)
    cluster_root = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, cluster_root, ignore_errors=True)
        cluster = stack.enter_context(Cluster(cluster_root, args.pg_port).running())
        admin = sa.create_engine(cluster.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE faults"))
        admin.dispose()
        url = cluster.url.rsplit("/", 1)[0] + "/faults"
        app = create_app({"ENV_NAME": "development", "DATABASE_URL": url, "SEARCH_BACKEND": "postgres",
                          "SEARCH_INDEX_DIR": str(workdir / "search-index"), "RATELIMIT_ENABLED": False})
        harness.prepare_schema(app)
        harness.generate(app, args.offers, args.vendors, orders_per_owner=2)
        harness.build_search_index(app)
        catalogue = harness.describe(app)
        app.extensions["db_engine"].dispose()

        app_port, sim_port = harness.free_port(), harness.free_port()
        env = harness.app_environment(url, workdir, app_port, sim_port)
        env["PAGE_CACHE_SECONDS"] = "0"  # every page read from the database: the fault must reach it
        sim_url = stack.enter_context(harness.simulator(
            env, sim_port, f"http://{harness.HOST}:{app_port}/webhooks/stripe", workdir / "simulator.log"))
        served = stack.enter_context(harness.gunicorn(env, app_port, args.workers, workdir / "gunicorn.log"))
        fixture = harness.write_fixture(catalogue, workdir / "fixture.json", False, sim_url)
        probe = Probe(served.url + "/")
        probe.start()

        result: dict = {}
        locust = threading.Thread(target=lambda: result.update(stats=harness.run_locust(
            served.url, "shop", fixture, args.users, args.duration, workdir)), daemon=True)
        locust.start()
        time.sleep(args.duration / 2)
        t_restart = time.monotonic()
        cluster.pg_ctl("restart")
        t_back = time.monotonic()
        print(f"  PostgreSQL restarted in {t_back - t_restart:.1f} s", flush=True)
        locust.join()
        time.sleep(2)
        probe.stop.set()
        probe.join()
        webhooks_settle = time.monotonic() + 40  # the simulator retries a refused webhook for ~15 s
        while time.monotonic() < webhooks_settle:
            checks = consistency(url, sim_url)
            if all(ok for _name, ok, _detail in checks):
                break
            time.sleep(3)

        during = probe.failures_between(t_restart - 1, t_back + 60)
        last_failure = max((s[0] for s in during), default=None)
        recovered = last_failure is None or any(s[1] == 200 and s[0] > last_failure for s in probe.samples)
        codes = Counter(s[1] for s in during)
        error_pages = sum(1 for s in during if s[1] == 503 and s[2])
        stats = result.get("stats", {})
        total = stats.get("total")
        print(f"  probe of the home page: {len(probe.samples)} requests, {len(during)} failed around the restart "
              f"({dict(codes)}; {error_pages} with the 503 error page), over "
              f"{(last_failure - t_restart) if last_failure else 0:.1f} s after the restart began")
        print(f"  recovered by itself (200 again, no app restart): {'yes' if recovered else 'NO'}")
        if total:
            window = _failure_window(workdir / "last-failures.csv") if total.failures else ""
            print(f"  load: {total.requests} requests, {total.failures} failed{window}; per endpoint:")
            for name, s in stats.items():
                if name != "total":
                    print(f"    {name}: {s.requests} requests, {s.failures} failed, p95 {s.p95:.0f} ms")
        print("  consistency:")
        for name, ok, detail in checks:
            print(f"    [{'ok' if ok else 'FAIL'}] {name}: {detail}")
        no_500 = codes.get(500, 0) == 0
        print(f"  no 500 during the outage: {'yes' if no_500 else 'NO'}")
        return recovered and no_500 and all(ok for _n, ok, _d in checks)


def _failure_window(path: Path) -> str:
    """' (503 ×n, all between hh:mm:ss and hh:mm:ss)' from Locust's failures file."""
    import csv

    if not path.exists():
        return ""
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    kinds = Counter()
    for row in rows:
        kinds[row["Error"].split("(", 1)[-1].rstrip(")")] += int(row["Occurrences"])
    first = min(r["First Seen"] for r in rows)[11:19]
    last = max(r["Last Seen"] for r in rows)[11:19]
    return f" ({', '.join(f'{k} ×{n}' for k, n in kinds.items())}; all between {first} and {last})"


# ------------------------------------------------------------------ (b) search


def search_fault(args, workdir: Path) -> bool:
    print(f"\n(b) Whoosh index deleted and corrupted while serving searches; load average {harness.load_average()}",
          flush=True)
    from marketplace.search.backends.whoosh_backend import WhooshBackend

    index_dir = workdir / "whoosh-index"
    database = workdir / "search.db"
    url = f"sqlite:///{database}"
    app = create_app({"ENV_NAME": "development", "DATABASE_URL": url, "SEARCH_BACKEND": "whoosh",
                      "SEARCH_INDEX_DIR": str(index_dir), "RATELIMIT_ENABLED": False})
    harness.prepare_schema(app)
    harness.generate(app, args.search_offers, 20, orders_per_owner=0)
    expected = harness.build_search_index(app)
    catalogue = harness.describe(app)
    app.extensions["db_engine"].dispose()

    app_port = harness.free_port()
    env = harness.app_environment(url, workdir, app_port, harness.free_port())
    # Every search page rendered (none kept for visitors): the fault must reach the index.
    env.update(SEARCH_BACKEND="whoosh", SEARCH_INDEX_DIR=str(index_dir), PAGE_CACHE_SECONDS="0")
    log = workdir / "gunicorn-search.log"
    with harness.gunicorn(env, app_port, args.workers, log) as served:
        fixture = harness.write_fixture(catalogue, workdir / "fixture-search.json", False, "")
        result: dict = {}
        locust = threading.Thread(target=lambda: result.update(stats=harness.run_locust(
            served.url, "page:search", fixture, 8, args.search_seconds, workdir)), daemon=True)
        locust.start()
        time.sleep(min(5.0, args.search_seconds / 4))
        shutil.rmtree(index_dir)
        t_deleted = time.monotonic()
        print("  index directory deleted", flush=True)
        rebuilt_after = _wait_healthy(index_dir, t_deleted + args.search_seconds)
        print(f"  index readable again after {rebuilt_after:.1f} s", flush=True)
        for path in index_dir.glob("*"):
            if path.is_file():
                path.write_bytes(b"\x00garbage")
        t_corrupted = time.monotonic()
        print("  index files overwritten with garbage", flush=True)
        requests.get(served.url + "/recherche?q=miel", timeout=120)
        repaired_after = _wait_healthy(index_dir, t_corrupted + args.search_seconds)
        print(f"  index readable again after {repaired_after:.1f} s", flush=True)
        locust.join()
        t0 = time.monotonic()
        try:
            after = requests.get(served.url + "/recherche?q=confiture", timeout=120).status_code
        except requests.RequestException as error:
            after = f"{type(error).__name__}"
        after_seconds = time.monotonic() - t0
    text = log.read_text(errors="replace")
    if args.verbose:
        print(text[-6000:])
    stats = result["stats"]
    search = stats.get("search") or stats["total"]
    backend = WhooshBackend(index_dir)
    healthy = backend.healthy()
    rebuilt = text.count("rebuilding it")
    fallbacks = text.count("falls back to a database query")
    count = _whoosh_count(index_dir) if healthy else 0
    print(f"  searches: {search.requests}, failed {search.failures}, p95 {search.p95:.0f} ms")
    print(f"  rebuilds logged: {rebuilt}; answers from the database fallback: {fallbacks}")
    print(f"  index at the end: {'readable' if healthy else 'UNREADABLE'}, {count} documents (expected {expected})")
    print(f"  a search after the faults: {after} in {after_seconds:.1f} s")
    return search.failures == 0 and healthy and count == expected and after == 200


def _wait_healthy(index_dir: Path, deadline: float) -> float:
    """Seconds until the index can be read again (inf if not before ``deadline``)."""
    import logging

    from marketplace.search.backends.whoosh_backend import WhooshBackend

    logging.getLogger("marketplace.search").setLevel(logging.CRITICAL)  # this process only watches
    start = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        try:
            if index_dir.is_dir() and WhooshBackend(index_dir).healthy() and _whoosh_count(index_dir):
                return time.monotonic() - start
        except Exception:  # noqa: BLE001,S112 (being written: try again)
            continue
    return float("inf")


def _whoosh_count(index_dir: Path) -> int:
    from whoosh import index

    ix = index.open_dir(str(index_dir))
    try:
        return ix.doc_count()
    finally:
        ix.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["database", "search"], help="one part only")
    parser.add_argument("--duration", type=seconds, default=40.0, help="length of the load in part (a)")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--offers", type=int, default=2000)
    parser.add_argument("--vendors", type=int, default=40)
    parser.add_argument("--search-offers", type=int, default=1000)
    parser.add_argument("--search-seconds", type=seconds, default=60.0)
    parser.add_argument("--verbose", action="store_true", help="print the end of the app's log")
    parser.add_argument("--keep", action="store_true", help="keep the logs and data (path printed)")
    parser.add_argument("--pg-port", type=int, default=5180, help="port of the private PostgreSQL cluster")
    args = parser.parse_args(argv)
    ok = True
    with ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="faults-"))
        if args.keep:
            print(f"logs and data kept in {workdir}")
        else:
            stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        if args.only in (None, "database"):
            ok &= database_fault(args, workdir)
        if args.only in (None, "search"):
            ok &= search_fault(args, workdir)
    print("\nAll fault checks passed." if ok else "\nSome fault checks FAILED.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
