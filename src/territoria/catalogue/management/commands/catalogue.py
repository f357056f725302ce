"""`territoria catalogue <subcommand>`: import, evaluation of the choice guide, duplicates."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Catalogue des solutions d'IA : import, évaluation du guide de choix, doublons."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="importer des solutions (CSV ou XLSX)")
        imp.add_argument(
            "path", nargs="?", help="fichier ; par défaut, le catalogue de démonstration"
        )
        ev = sub.add_parser("eval", help="évaluer le guide de choix (JSON sur la sortie)")
        ev.add_argument("--split", choices=["dev", "test", "all"], default="test")
        ev.add_argument("--details", action="store_true", help="le top 3 de chaque besoin")
        ev.add_argument("--output", help="écrire le JSON dans ce fichier aussi")
        ev.add_argument(
            "--dense",
            action="store_true",
            help="comparer aussi avec les plongements multilingues e5 (plus lent)",
        )
        sub.add_parser("duplicates", help="lister les solutions probablement en double")
        sub.add_parser(
            "link-register",
            help="rattacher les projets publiés du registre qui citent une solution par son nom",
        )
        merge = sub.add_parser("merge", help="fusionner une solution dans une autre")
        merge.add_argument("keep")
        merge.add_argument("other")
        merge.add_argument("--user", required=True, help="identifiant du modérateur")

    def handle(self, *args, action, **options):
        getattr(self, "do_" + action.replace("-", "_"))(**options)

    def do_import(self, path=None, **_):
        from territoria.catalogue.importer import DEMO_FILE, ImportFailed, import_solutions

        file = Path(path) if path else DEMO_FILE
        if not file.exists():
            raise CommandError(f"fichier introuvable : {file}")
        try:
            report = import_solutions(file)
        except ImportFailed as error:
            raise CommandError("rien n'a été importé :\n" + str(error))
        self.stdout.write(
            f"{report.created} solution(s) créée(s), {report.updated} mise(s) à jour, "
            f"{report.providers_created} fournisseur(s) créé(s)."
        )

    def do_eval(self, split="test", details=False, output=None, dense=False, **_):
        from territoria.catalogue.evaluation import evaluate, evaluate_dense

        result = evaluate(split, details=details)
        if dense:
            result.update(evaluate_dense(split))
        text = json.dumps(result, ensure_ascii=False, indent=2)
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
        self.stdout.write(text)

    def do_link_register(self, **_):
        from territoria.catalogue.services import detect_register_uses

        self.stdout.write(f"{detect_register_uses()} projet(s) du registre rattaché(s).")

    def do_duplicates(self, **_):
        from territoria.catalogue.services import duplicate_groups

        groups = duplicate_groups()
        for group in groups:
            self.stdout.write(" = ".join(f"{s.name} ({s.provider.name}, {s.pk})" for s in group))
        if not groups:
            self.stdout.write("Aucun doublon probable.")

    def do_merge(self, keep, other, user, **_):
        from django.core.exceptions import PermissionDenied, ValidationError

        from territoria.catalogue.models import Solution
        from territoria.catalogue.services import merge
        from territoria.core.models import User

        try:
            moderator = User.objects.get(username=user)
            kept = merge(Solution.objects.get(pk=keep), Solution.objects.get(pk=other), moderator)
        except (User.DoesNotExist, Solution.DoesNotExist) as error:
            raise CommandError(str(error))
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(str(error))
        self.stdout.write(f"Fusionnée dans « {kept.name} ».")
