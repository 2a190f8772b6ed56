"""The local Stripe-compatible simulator (development and tests only).

``SimulatorServer`` runs it in a background thread on a free port; the
``flask stripe-simulator`` command runs it in the foreground. Its objects
live in a SQLite file given by ``state_path`` (``--state``), or in memory.
"""
from __future__ import annotations

import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from marketplace.payments.simulator.app import (  # noqa: F401
    CARD_ASYNC,
    CARD_DECLINED,
    CARD_SUCCESS,
    create_simulator_app,
    refuse_production,
)

DEFAULT_PORT = 12111


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


class SimulatorServer:
    """A threaded werkzeug server running the simulator on ``host:port`` (0 = a free port).

    ``app_options`` go to ``create_simulator_app`` (``state_path``, ``faults``, ``webhook_url``…).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, quiet: bool = True, **app_options) -> None:
        self.app = create_simulator_app(**app_options)
        self.state = self.app.extensions["stripe_simulator"]
        handler = _QuietHandler if quiet else WSGIRequestHandler
        self._server = make_server(host, port, self.app, threaded=True, request_handler=handler)
        self._server.daemon_threads = True
        self.host, self.port = host, self._server.server_port
        if not self.app.config["PUBLIC_URL"]:
            self.app.config["PUBLIC_URL"] = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, name="stripe-simulator", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SimulatorServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.state.faults.clear()
        self._server.shutdown()
        self._server.server_close()
        self.state.close()

    # -- helpers for tests: events kept by the simulator, signed like its deliveries

    def events(self, type_: str | None = None) -> list[dict]:
        return self.state.store.events(type_)

    def signed(self, event: dict, secret: str | None = None, timestamp: int | None = None) -> tuple[bytes, str]:
        """(raw body, Stripe-Signature header) for ``event``."""
        import json

        from marketplace.payments.simulator.app import _sign

        payload = json.dumps(event)
        return payload.encode(), _sign(payload, secret or self.app.config["WEBHOOK_SECRET"], timestamp)
