"""Child process of the benchmark: publish a CSV through the real pipeline (analysis job,
then publication job, run inline) and report time and peak memory of this process."""

import json
import resource
import sys
import time
from pathlib import Path


def publish(csv_path: str) -> None:
    from benchmarks import setup_django

    setup_django(migrate=True)
    from territoria.core.models import Organisation, Role, User
    from territoria.opendata import publishing, storage
    from territoria.opendata.models import Dataset, Resource

    organisation, _ = Organisation.objects.get_or_create(
        siret="21690123100011", defaults={"name": "Ville de Lyon (banc d'essai)", "type": "commune"}
    )
    user, _ = User.objects.get_or_create(
        username="bench", defaults={"role": Role.AGENT, "organisation": organisation}
    )
    dataset = Dataset.objects.create(
        title="Mandats de paiement (banc d'essai)",
        description="Table générée pour le banc d'essai.",
        organisation=organisation,
    )
    res = Resource.objects.create(dataset=dataset, title="Mandats")
    started = time.perf_counter()
    version = publishing.receive_file(res, Path(csv_path), Path(csv_path).name, user)
    analysed = time.perf_counter()
    if version.status != "review":
        raise SystemExit(f"analysis failed: {version.error}")
    blockers = publishing.request_publication(
        version, confirmed=[f["column"] for f in version.personal_data]
    )
    if blockers:
        raise SystemExit(f"publication refused: {blockers}")
    version.refresh_from_db()
    finished = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_kb = usage.ru_maxrss
    from territoria.core import tokens

    _key, raw_key = tokens.issue(
        owner=user,
        name="banc d'essai : dépôt par l'API",
        scopes=["opendata:read", "opendata:write"],
    )
    json.dump(
        {
            "api_key": raw_key,
            "dataset_slug": dataset.slug,
            "table_name": res.table_name,
            "status": version.status,
            "rows": version.row_count,
            "csv_bytes": Path(csv_path).stat().st_size,
            "parquet_bytes": version.parquet_bytes,
            "analysis_and_conversion_s": round(analysed - started, 2),
            "publication_s": round(finished - analysed, 2),
            "upload_to_queryable_s": round(finished - started, 2),
            "peak_rss_mb": round(peak_kb / 1024, 1),
            # CPU seconds of the whole child (Django start, migrations included): on a shared
            # machine wall time depends on the neighbours, CPU time much less.
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            "detection": version.detection,
            "schema": [(f["name"], f["type"]) for f in version.columns],
            "parquet": str(storage.published_parquet(version)),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    publish(sys.argv[1])
