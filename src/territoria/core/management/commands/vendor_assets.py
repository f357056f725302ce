"""territoria vendor_assets [--node-modules DIR]: copy the front-end npm files into the package.

Run by `make install` after `npm ci`; see `territoria.core.vendor` and ADR 8.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from territoria.core.vendor import VENDOR_DIR, VendorError, vendor_assets


class Command(BaseCommand):
    help = "Copie htmx, Leaflet et Leaflet.markercluster de node_modules dans le paquet."

    def add_arguments(self, parser):
        parser.add_argument(
            "--node-modules",
            type=Path,
            default=settings.PROJECT_DIR / "node_modules",
            help="dossier node_modules où `npm ci` a installé les paquets",
        )

    def handle(self, *args, node_modules: Path, **options):
        try:
            written = vendor_assets(node_modules)
        except VendorError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{len(written)} fichiers copiés dans {VENDOR_DIR}")
