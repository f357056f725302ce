"""`territoria redaction <subcommand>`: import SCDL deliberations, evaluate the writing help."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from territoria.core.audit import acting_as


class Command(BaseCommand):
    help = "Aide à la rédaction : import de délibérations SCDL, évaluation (JSON)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="importer un fichier CSV SCDL « Délibérations »")
        imp.add_argument("csv")
        imp.add_argument("--texts", help="dossier des textes des actes, nommés par DELIB_ID")
        imp.add_argument(
            "--map",
            action="append",
            default=[],
            help="correspondance COLONNE_SCDL=colonne du fichier (répétable)",
        )
        legi = sub.add_parser(
            "import-legi",
            help="importer des codes de la base LEGI (Légifrance) dans une collection de "
            "l'assistant, pour la vérification de l'existence des articles",
        )
        legi.add_argument("source", help="dossier ou archive .tar.gz de la base LEGI (DILA)")
        legi.add_argument("--collection", required=True, help="identifiant de la collection")
        legi.add_argument(
            "--code",
            action="append",
            default=[],
            help="ne prendre que ce code (CGCT, titre ou LEGITEXT…; répétable)",
        )
        legi.add_argument(
            "--date", help="articles en vigueur à cette date AAAA-MM-JJ (défaut : ce jour)"
        )
        ev = sub.add_parser("eval", help="évaluer sur un jeu (JSON sur la sortie standard)")
        ev.add_argument(
            "--set", required=True, help="dossier du jeu (ex. tests/fixtures/redaction)"
        )
        ev.add_argument(
            "--shared",
            default="../shared/data",
            help="dossier des données partagées (textes CRPA et PIAF ; défaut : ../shared/data)",
        )
        ev.add_argument(
            "--part",
            action="append",
            choices=["retrieval", "minutes", "checks", "plain", "cost"],
            help="n'évaluer que cette partie (répétable)",
        )
        ev.add_argument("--llm-url", help="point d'accès compatible OpenAI (ex. llama.cpp)")
        ev.add_argument("--llm-model", default="default")
        ev.add_argument("--output", help="écrire aussi le JSON dans ce fichier")
        sample = sub.add_parser(
            "judgement-sample", help="l'échantillon de suggestions à juger à la main (JSON)"
        )
        sample.add_argument("--shared", default="../shared/data")
        sample.add_argument("--size", type=int, default=40)

    def handle(self, *args, action, **options):
        with acting_as(None, f"territoria redaction {action}"):
            getattr(self, "_" + action.replace("-", "_"))(**options)

    def _import(self, csv, texts=None, map=(), **_):
        from territoria.redaction.services.scdl import SCDLError, import_file

        mapping = {}
        for item in map:
            if "=" not in item:
                raise CommandError(f"--map {item!r} : « COLONNE_SCDL=colonne » attendu.")
            key, value = item.split("=", 1)
            mapping[key.strip().upper()] = value.strip()
        path = Path(csv)
        if not path.is_file():
            raise CommandError(f"{csv} : fichier introuvable.")

        def progress(done, total):
            self.stderr.write(f"\r{done}/{total} lignes", ending="")

        try:
            result = import_file(
                path.read_bytes(), path.name, mapping, Path(texts) if texts else None, progress
            )
        except SCDLError as error:
            raise CommandError(str(error)) from error
        for warning in result.warnings:
            self.stderr.write(warning)
        self.stdout.write(
            json.dumps(
                {"created": result.created, "updated": result.updated, "texts": result.texts},
                ensure_ascii=False,
            )
        )

    def _import_legi(self, source, collection, code=(), date=None, **_):
        from datetime import date as day

        from territoria.assistant.models import Collection
        from territoria.redaction.services.legi import LegiError, import_codes

        target = Collection.objects.filter(slug=collection).first()
        if target is None:
            raise CommandError(f"collection « {collection} » introuvable (identifiant attendu).")
        try:
            when = day.fromisoformat(date) if date else None
        except ValueError as error:
            raise CommandError(f"--date {date!r} : date AAAA-MM-JJ attendue.") from error
        try:
            codes, job = import_codes(Path(source), target, when, list(code))
        except LegiError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            json.dumps(
                {
                    "codes": [
                        {
                            "title": c.title,
                            "id": c.id,
                            "articles": len(c.articles),
                            "versions_left_out": c.skipped,
                        }
                        for c in codes
                    ],
                    "indexed": job.indexed,
                    "failed": job.failed,
                    "unchanged": job.unchanged,
                },
                ensure_ascii=False,
            )
        )

    def _eval(self, set, shared, part=None, llm_url=None, llm_model="default", output=None, **_):
        from territoria.assistant.services.llm import ChatClient
        from territoria.redaction.services.evaluation import run

        folder = Path(set)
        if not (folder / "deliberations.csv").is_file():
            raise CommandError(f"{set} : jeu introuvable (deliberations.csv attendu).")
        llm = ChatClient(llm_url.rstrip("/"), llm_model, timeout_s=300) if llm_url else None
        result = run(folder, Path(shared), llm, tuple(part or ()))
        text = json.dumps(result, ensure_ascii=False, indent=2)
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
        self.stdout.write(text)

    def _judgement_sample(self, shared, size, **_):
        from territoria.redaction.services.evaluation import judgement_sample

        self.stdout.write(
            json.dumps(judgement_sample(Path(shared), size), ensure_ascii=False, indent=2)
        )
