"""Shared by the payments and seeds tests: the ``simulator_file`` fixture (a simulator on a SQLite
file, restartable) and a checkout through HTTP."""
from __future__ import annotations

import pytest


@pytest.fixture
def simulator_file(app, tmp_path):
    """A simulator keeping its objects in a SQLite file, with the app pointed at it, that the
    test can restart (``restart()`` stops it and starts another on the same file)."""
    from marketplace.payments.simulator import SimulatorServer

    class FileSimulator:
        path = str(tmp_path / "stripe-simulator.sqlite3")
        server = None

        def start(self):
            self.server = SimulatorServer(webhook_secret="whsec_tests", state_path=self.path).start()
            app.config.update(STRIPE_API_BASE=self.server.url)
            return self

        def stop(self):
            if self.server is not None:
                self.server.stop()
                self.server = None

        def restart(self):
            self.stop()
            return self.start()

        @property
        def url(self):
            return self.server.url

        @property
        def state(self):
            return self.server.state

        def deliver(self, client, since=0):
            """Post the events emitted from the ``since``-th on, signed; returns the responses."""
            answers = []
            for event in self.server.events()[since:]:
                body, signature = self.server.signed(event)
                answers.append(client.post("/webhooks/stripe", data=body, headers={"Stripe-Signature": signature},
                                           content_type="application/json"))
            return answers

    keys = ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET", "STRIPE_TIMEOUT_SECONDS",
            "STRIPE_MAX_NETWORK_RETRIES", "STRIPE_SIMULATOR_STATE")
    previous = {key: app.config.get(key) for key in keys}
    simulator = FileSimulator()
    app.config.update(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="whsec_tests", STRIPE_TIMEOUT_SECONDS=2,
                      STRIPE_MAX_NETWORK_RETRIES=0, STRIPE_SIMULATOR_STATE=simulator.path)
    yield simulator.start()
    simulator.stop()
    app.config.update(previous)


def checkout_for_pickup(client, consumer, items) -> str:
    """The consumer (logged in) puts ``items`` — (offer, quantity) pairs — in the cart and checks out,
    everything picked up; returns the hosted payment page's URL."""
    for offer, quantity in items:
        client.post("/panier/ajouter", data={"offer_id": offer.id, "quantity": quantity})
    answer = client.post("/commande/validation", data={
        "contact_name": "Camille Martin", "contact_email": consumer.email,
        **{f"fulfilment-{offer.vendor_id}": "pickup" for offer, _quantity in items},
    })
    assert answer.status_code in (302, 303)
    return answer.headers["Location"]
