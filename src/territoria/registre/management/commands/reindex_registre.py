"""`territoria reindex_registre`: rebuild the register's search index, then its embeddings."""

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from territoria.registre.discovery.indexing import embed_pending, reindex_all


class Command(BaseCommand):
    help = "Réindexe les projets du registre (recherche plein texte) puis calcule leurs vecteurs sémantiques."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sans-vecteurs",
            dest="no_embeddings",
            action="store_true",
            help="ne pas calculer les vecteurs (le travail de fond s'en chargera)",
        )
        parser.add_argument("--batch-size", type=int, default=64, help="textes par lot d'inférence")

    def handle(self, *args, no_embeddings=False, batch_size=64, **options):
        from territoria.registre.models import Project

        quiet = options.get("verbosity", 1) == 0
        started = time.perf_counter()
        with tqdm(
            total=Project.objects.count(), desc="Index plein texte", unit="projet", disable=quiet
        ) as bar:
            counts = reindex_all(on_progress=bar.update)
        lexical_s = time.perf_counter() - started
        self.stdout.write(
            f"{counts['projects']} projets, {counts['documents']} documents indexés, "
            f"{counts['removed']} retirés en {lexical_s:.1f} s."
        )
        if no_embeddings:
            return
        from territoria.registre.discovery.documents import NAMESPACE
        from territoria.registre.discovery.indexing import index

        started = time.perf_counter()
        with tqdm(
            total=index().pending_embeddings(NAMESPACE), desc="Vecteurs", unit="doc", disable=quiet
        ) as bar:
            done = embed_pending(on_progress=bar.update, batch_size=batch_size)
        self.stdout.write(f"{done} vecteurs calculés en {time.perf_counter() - started:.1f} s.")
