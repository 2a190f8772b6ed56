"""`flask search reindex` and `flask search status`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

search_cli = AppGroup("search", help="Index de recherche.")


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the whole search index from the database."""
    from marketplace.search import service

    total = service.document_count()
    with click.progressbar(length=total, label="Indexation", show_pos=True) as bar:
        count = service.reindex(progress=bar.update)
    click.echo(f"{count} documents indexés ({service.get_backend().name}).")


@search_cli.command("status")
def status_command() -> None:
    """Say whether the index can answer, and how many documents the database holds."""
    from marketplace.search import service

    backend = service.get_backend()
    state = "ok" if backend.healthy() else "indisponible"
    click.echo(f"backend: {backend.name}, index: {state}, documents attendus: {service.document_count()}")
    if state != "ok":
        raise SystemExit(1)
