"""`territoria assistant <subcommand>`: collections, ingestion, questions, evaluation, purge."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from territoria.assistant.models import Collection, Visibility
from territoria.core.audit import acting_as


class Command(BaseCommand):
    help = (
        "Assistant : collections, ingestion de documents, questions, évaluation, purge du journal."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create-collection", help="créer une collection")
        create.add_argument("slug")
        create.add_argument("--name", required=True)
        create.add_argument(
            "--visibility", choices=[v.value for v in Visibility], default=Visibility.ORGANISATION
        )
        create.add_argument(
            "--organisation", help="SIRET de l'organisation (visibilité organisation)"
        )
        create.add_argument("--contact-service", default="")
        create.add_argument("--contact-email", default="")
        create.add_argument("--contact-phone", default="")

        ingest = sub.add_parser("ingest", help="indexer un fichier ou un dossier (récursif)")
        ingest.add_argument("collection")
        ingest.add_argument("path")
        ingest.add_argument(
            "--background", action="store_true", help="mettre en file pour le worker"
        )

        ask = sub.add_parser("ask", help="poser une question (réponse citée)")
        ask.add_argument("collection")
        ask.add_argument("question")
        ask.add_argument("--mode", choices=["hybrid", "lexical", "dense"], default="hybrid")
        ask.add_argument(
            "--user",
            help="répondre avec les droits de cet utilisateur (par défaut : l'opérateur lit toute la collection)",
        )

        ev = sub.add_parser("eval", help="évaluer sur un jeu SQuAD v1")
        ev.add_argument("--corpus", required=True)
        ev.add_argument("--questions", required=True)
        ev.add_argument("--output", required=True)
        ev.add_argument("--limit", type=int, help="n'évaluer que les N premières questions")
        ev.add_argument("--keep", action="store_true", help="garder la collection d'évaluation")

        corpus = sub.add_parser(
            "squad-corpus", help="un fichier Markdown par article d'un jeu SQuAD"
        )
        corpus.add_argument("questions")
        corpus.add_argument("corpus_dir")
        corpus.add_argument("--questions-out")

        sub.add_parser(
            "purge", help="supprimer les échanges plus anciens que la durée de conservation"
        )
        sub.add_parser(
            "sources", help="créer les collections des sources des modules (dont le registre)"
        )
        pages = sub.add_parser(
            "pages",
            help="vecteurs de pages (titre + début, page entière) des documents indexés avant "
            "leur arrivée",
        )
        pages.add_argument("collections", nargs="*", help="par défaut : toutes les collections")

    def handle(self, *args, action, **options):
        handler = getattr(self, "_" + action.replace("-", "_"))
        with acting_as(None, f"territoria assistant {action}"):
            handler(**options)

    def _collection(self, slug) -> Collection:
        try:
            return Collection.objects.get(slug=slug)
        except Collection.DoesNotExist:
            raise CommandError(
                f"Collection inconnue : {slug!r}. Collections : {', '.join(Collection.objects.values_list('slug', flat=True)) or 'aucune'}."
            )

    def _create_collection(
        self,
        slug,
        name,
        visibility,
        organisation,
        contact_service,
        contact_email,
        contact_phone,
        **_,
    ):
        from territoria.core.models import Organisation

        org = None
        if organisation:
            org = Organisation.objects.filter(siret=organisation.replace(" ", "")).first()
            if org is None:
                raise CommandError(f"Organisation introuvable (SIRET {organisation}).")
        if visibility == Visibility.ORGANISATION and org is None:
            raise CommandError(
                "Une collection réservée à l'organisation demande --organisation SIRET."
            )
        collection, created = Collection.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "visibility": visibility,
                "organisation": org,
                "contact_service": contact_service,
                "contact_email": contact_email,
                "contact_phone": contact_phone,
            },
        )
        self.stdout.write(f"Collection {'créée' if created else 'mise à jour'} : {collection.slug}")

    def _ingest(self, collection, path, background, **_):
        from territoria.assistant.services.ingestion import add_files, collect_files, run_job
        from territoria.assistant.tasks import run_ingestion_job

        collection = self._collection(collection)
        try:
            files = collect_files(Path(path))
        except FileNotFoundError as error:
            raise CommandError(str(error))
        job = add_files(collection, files)
        todo = job.documents.count()
        self.stdout.write(
            f"{len(files)} fichier(s) : {todo} à indexer, {job.unchanged} inchangé(s)."
        )
        if background:
            run_ingestion_job.enqueue(str(job.pk))
            self.stdout.write(f"Tâche mise en file ({job.pk}) ; lancez `territoria db_worker`.")
            return
        bars = {}

        def progress(stage, count):
            if stage not in bars:
                total = todo if stage == "documents" else job.chunks_to_embed
                label = "Documents" if stage == "documents" else "Vecteurs"
                bars[stage] = tqdm(
                    total=total, desc=label, unit=" doc" if stage == "documents" else " passage"
                )
            bars[stage].update(count)

        run_job(job, progress=progress)
        for bar in bars.values():
            bar.close()
        self.stdout.write(
            f"Indexés : {job.indexed}, inchangés : {job.unchanged}, en échec : {job.failed}."
        )
        for document in job.documents.filter(state="failed"):
            self.stderr.write(f"  échec — {document.error}")

    def _ask(self, collection, question, mode, user, **_):
        from territoria.assistant.services.assistant import ask
        from territoria.core.models import User

        collection = self._collection(collection)
        if user:
            account = User.objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"Utilisateur inconnu : {user!r}.")
            answer, exchange = ask(account, question, [collection], mode=mode)
        else:  # the operator, who has the shell, reads the whole collection
            answer, exchange = ask(
                None, question, [collection], mode=mode, access=collection.access_tokens()
            )
        self.stdout.write(answer.message or answer.text)
        for passage in answer.cited_passages() or answer.passages[:3]:
            where = " › ".join(
                filter(None, [passage.section, f"p. {passage.page}" if passage.page else ""])
            )
            self.stdout.write(
                f"  [{passage.n}] {passage.title} — {passage.source}{' — ' + where if where else ''}"
            )
        self.stdout.write(
            f"({exchange.latency_ms} ms, {exchange.energy_wh * 1000:.3f} mWh, méthode {answer.method})"
        )

    def _eval(self, corpus, questions, output, limit, keep, **_):
        from territoria.assistant.services.evaluation import evaluate

        if not Path(corpus).is_dir():
            raise CommandError(f"--corpus {corpus} : dossier introuvable.")
        if not Path(questions).is_file():
            raise CommandError(f"--questions {questions} : fichier introuvable.")
        bars = {}

        def progress(stage, count):
            if stage not in bars:
                bars[stage] = tqdm(desc=stage, unit="")
            bars[stage].update(count)

        result = evaluate(Path(corpus), Path(questions), limit=limit, keep=keep, progress=progress)
        for bar in bars.values():
            bar.close()
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(json.dumps(result, indent=2, ensure_ascii=False))
        self.stdout.write(
            json.dumps(
                {k: v for k, v in result.items() if k not in ("modes", "per_type")},
                indent=2,
                ensure_ascii=False,
            )
        )
        for mode, metrics in result["modes"].items():
            self.stdout.write(f"{mode:8s} " + "  ".join(f"{k}={v}" for k, v in metrics.items()))
        for name, metrics in result["baselines"].items():
            self.stdout.write(
                f"référence {name} : " + "  ".join(f"{k}={v}" for k, v in metrics.items())
            )
        for name, metrics in result["per_type"].items():
            self.stdout.write(
                f"type « {name} » : " + "  ".join(f"{k}={v}" for k, v in metrics.items())
            )

    def _squad_corpus(self, questions, corpus_dir, questions_out, **_):
        from territoria.assistant.services.evaluation import squad_corpus

        count = squad_corpus(
            Path(questions), Path(corpus_dir), Path(questions_out) if questions_out else None
        )
        self.stdout.write(f"{count} document(s) écrit(s) dans {corpus_dir}.")

    def _purge(self, **_):
        from territoria.assistant.services.traceability import purge_expired

        self.stdout.write(f"{purge_expired()} échange(s) supprimé(s).")

    def _sources(self, **_):
        from territoria.assistant.services.module_sources import sync_source_collections

        for collection in sync_source_collections():
            self.stdout.write(f"{collection.slug} : {collection.name} ({collection.namespace}).")

    def _pages(self, collections, **_):
        from territoria.assistant.services import page_vectors

        chosen = (
            [self._collection(slug) for slug in collections]
            if collections
            else list(Collection.objects.filter(managed=False).order_by("slug"))
        )
        for collection in chosen:
            if collection.managed:
                self.stdout.write(f"{collection.slug} : source d'un module, sans pages.")
                continue
            written = page_vectors.backfill(collection)
            todo = page_vectors.pending(collection)
            with tqdm(total=todo, desc=f"Pages de {collection.slug}", unit=" page") as bar:
                page_vectors.embed(collection.namespace, on_progress=bar.update)
            self.stdout.write(
                f"{collection.slug} : {written} ligne(s) de page ajoutée(s) (titre + début, page "
                f"entière), {todo} vecteur(s) calculé(s)."
            )
