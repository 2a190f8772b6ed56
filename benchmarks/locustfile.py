"""Locust users of the load benchmark (run by benchmarks/load.py and benchmarks/faults.py).

LOAD_FIXTURE names a JSON file describing the generated data (offers, consumers,
structure owners, the simulator's address); LOAD_SCENARIO chooses the users:

- ``mix``: visitors (home, category, offer, search, directory, tenders), shoppers
  (add to cart, cart, checkout paid on the simulator's hosted page, confirmation)
  and structure owners (sales dashboard, orders list), each waiting LOAD_THINK
  seconds ("min,max") between two pages;
- ``page:<name>``: one page, as fast as possible (its throughput); ``page:offer-first-view``
  renders an offer page on every request, as for an offer's first visitor;
- ``shop``: shoppers only, without waiting (the fault script);
- ``hello``: GET / of the hello-world app, as fast as possible (the ceiling).
"""
from __future__ import annotations

import json
import os
import random
import re
from urllib.parse import urlsplit

from locust import FastHttpUser, between, constant, task

FIXTURE = json.loads(open(os.environ["LOAD_FIXTURE"]).read()) if os.environ.get("LOAD_FIXTURE", "").endswith(".json") and os.path.exists(os.environ["LOAD_FIXTURE"]) else {}
SCENARIO = os.environ.get("LOAD_SCENARIO", "mix")
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "0.5,1.5").split(","))
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CARD_OK = "4242 4242 4242 4242"
SEARCHES = [
    "confiture", "vélo", "fromage", "savon", "ménage", "confiture framboises", "vélo électrique",
    "miel montagne", "tisane lavande", "confitrue", "fromgae", "café équitable", "panier de légumes",
    "réparation vélo", "miel&label=bio", "&categorie=cremerie", "savon&departement=38",
]
_users = {"consumer": 0, "owner": 0}


def _next(kind: str, pool: list):
    index = _users[kind] % len(pool)
    _users[kind] += 1
    return pool[index]


def _offer_path(offer) -> str:
    return f"/offres/{offer[0]}-{offer[1]}"


def _csrf(html: str) -> str:
    match = CSRF.search(html or "")
    return match.group(1) if match else ""


class Visitor(FastHttpUser):
    """Browses anonymously."""

    weight = 6
    wait_time = between(*THINK)

    @task(3)
    def home(self):
        self.client.get("/", name="home")

    @task(3)
    def category(self):
        self.client.get(f"/catalogue/{random.choice(FIXTURE['categories'])}", name="category")

    @task(5)
    def offer(self):
        self.client.get(_offer_path(random.choice(FIXTURE["sample_offers"])), name="offer")

    @task(4)
    def search(self):
        self.client.get(f"/recherche?q={random.choice(SEARCHES)}", name="search")

    @task(1)
    def directory(self):
        self.client.get("/fournisseurs", name="directory")

    @task(1)
    def tenders(self):
        if FIXTURE.get("tenders"):
            self.client.get("/appels-d-offres", name="tenders")


class Shopper(FastHttpUser):
    """Signs in, then buys one offer at a time, paid on the simulator's page."""

    weight = 2
    wait_time = between(*THINK)

    def on_start(self):
        self.email = _next("consumer", FIXTURE["consumers"])
        page = self.client.get("/compte/connexion", name="login")
        self.client.post("/compte/connexion", name="login", data={
            "csrf_token": _csrf(page.text), "email": self.email, "password": FIXTURE["password"],
        })

    @task
    def buy(self):
        offer = random.choice(FIXTURE["buyable"])
        page = self.client.get(_offer_path(offer), name="offer")
        added = self.client.post("/panier/ajouter", name="add to cart", data={
            "csrf_token": _csrf(page.text), "offer_id": offer[0], "quantity": 1,
        })
        if added.status_code >= 400:
            return
        form = self.client.get("/commande/validation", name="checkout (form)")
        if form.status_code >= 400:
            return
        fields = {f"fulfilment-{v}": "pickup" for v in set(re.findall(r'name="fulfilment-(\d+)"', form.text or ""))}
        with self.client.post("/commande/validation", name="checkout (submit)", allow_redirects=False,
                              catch_response=True, data={
                                  "csrf_token": _csrf(form.text), "contact_name": "Client de charge",
                                  "contact_email": self.email, **fields,
                              }) as answer:
            hosted = answer.headers.get("Location", "")
            if answer.status_code != 303 or "/checkout/" not in hosted:
                answer.failure(f"no payment page ({answer.status_code})")
                return
            answer.success()
        with self.client.post(hosted, name="simulator: pay", data={"card": CARD_OK}, allow_redirects=False,
                              catch_response=True) as paid:
            success = paid.headers.get("Location", "")
            if paid.status_code != 303 or not success:
                paid.failure(f"payment refused ({paid.status_code})")
                return
            paid.success()
        parts = urlsplit(success)
        self.client.get(f"{parts.path}?{parts.query}", name="order confirmation")


class Owner(FastHttpUser):
    """A structure's owner reading the sales dashboard and the orders list."""

    weight = 1
    wait_time = between(*THINK)

    def on_start(self):
        email, self.vendor_id = _next("owner", FIXTURE["owners"])
        page = self.client.get("/compte/connexion", name="login")
        self.client.post("/compte/connexion", name="login", data={
            "csrf_token": _csrf(page.text), "email": email, "password": FIXTURE["password"],
        })

    @task
    def sales(self):
        self.client.get(f"/espace-fournisseur/{self.vendor_id}/ventes", name="vendor: sales")

    @task
    def orders(self):
        self.client.get(f"/espace-fournisseur/{self.vendor_id}/commandes", name="vendor: orders")


PAGES = {
    "home": lambda: "/",
    "category": lambda: f"/catalogue/{random.choice(FIXTURE['categories'])}",
    "offer": lambda: _offer_path(random.choice(FIXTURE["sample_offers"])),
    # A query the page ignores but its kept copy does not: every request renders the page.
    "offer-first-view": lambda: f"{_offer_path(random.choice(FIXTURE['sample_offers']))}?vue={random.getrandbits(48)}",
    "search": lambda: f"/recherche?q={random.choice(SEARCHES)}",
    "directory": lambda: "/fournisseurs",
    "tenders": lambda: "/appels-d-offres",
}


class OnePage(FastHttpUser):
    """One page, no wait: how many per second the server can serve."""

    wait_time = constant(0)

    @task
    def page(self):
        name = SCENARIO.split(":", 1)[1]
        self.client.get(PAGES[name](), name=name)


class Hello(FastHttpUser):
    wait_time = constant(0)

    @task
    def hello(self):
        self.client.get("/", name="hello world")


class FastShopper(Shopper):
    wait_time = constant(0.1)


# Locust runs the user classes defined in this module that the scenario keeps.
_CLASSES = {"mix": [Visitor, Shopper, Owner], "hello": [Hello], "shop": [FastShopper, Visitor]}
for _cls in (Visitor, Shopper, Owner, OnePage, Hello, FastShopper):
    _cls.abstract = _cls not in _CLASSES.get(SCENARIO, [OnePage] if SCENARIO.startswith("page:") else [])
del _cls
