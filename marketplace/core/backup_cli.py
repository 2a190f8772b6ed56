"""`flask backup` and `flask restore`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from marketplace.core import backup


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} Mo" if n >= 1024 * 1024 else f"{n / 1024:.1f} ko"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items())


@click.command("backup")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Fichier d'archive (défaut : instance/backups/marche-solidaire-<date>.tar.gz).")
@with_appcontext
def backup_command(output: Path | None) -> None:
    """Sauvegarder la base de données et les fichiers déposés (UPLOAD_DIR) dans une archive."""
    try:
        report = backup.create_backup(current_app._get_current_object(), output)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Sauvegarde écrite : {report.path} ({_size(report.size)}, base {report.dialect}, "
               f"{report.upload_files} fichiers déposés)")
    click.echo(f"Lignes : {_counts(report.counts)}")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Remplacer une base qui contient déjà des données, sans confirmation.")
@click.option("--no-reindex", is_flag=True, help="Ne pas reconstruire l'index de recherche après la restauration.")
@with_appcontext
def restore_command(archive: Path, force: bool, no_reindex: bool) -> None:
    """Restaurer une sauvegarde faite par `flask backup` (arrêtez d'abord l'application)."""
    app = current_app._get_current_object()
    try:
        manifest = backup.read_manifest(archive)
        click.echo(f"Sauvegarde du {manifest['created_at']} (base {manifest['dialect']}) : "
                   f"{_counts(manifest.get('counts', {}))}")
        try:
            report = backup.restore_backup(app, archive, force=force)
        except backup.DatabaseNotEmpty as error:
            if not sys.stdin.isatty():
                raise click.ClickException(f"{error} Relancez avec --force pour la remplacer.") from None
            click.confirm(f"{error} La remplacer par la sauvegarde ?", abort=True)
            report = backup.restore_backup(app, archive, force=True)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Base restaurée : {_counts(report.counts)}")
    click.echo(f"Fichiers déposés restaurés : {report.upload_files}")
    if report.uploads_moved_to:
        click.echo(f"Les fichiers déposés présents avant la restauration sont conservés dans {report.uploads_moved_to}")
    if report.mismatches:
        details = ", ".join(f"{k} attendu {a}, trouvé {b}" for k, (a, b) in report.mismatches.items())
        raise click.ClickException(f"La base restaurée ne correspond pas à la sauvegarde : {details}")
    if not no_reindex:
        from marketplace.search import service

        count = service.reindex()
        click.echo(f"Index de recherche reconstruit : {count} documents ({service.get_backend().name}).")
