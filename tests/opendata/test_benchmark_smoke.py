"""The benchmark command runs end to end on a tiny table (the 10M-row run is `make bench`)."""

import json

import pytest


@pytest.mark.slow
def test_benchmark_opendata_runs_tiny_and_writes_json(tmp_path):
    from benchmarks.opendata import main

    output = tmp_path / "opendata.json"
    main(
        [
            "--rows",
            "5000",
            "--queries",
            "3",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--output",
            str(output),
        ]
    )
    report = json.loads(output.read_text())
    assert report["ingest"]["rows"] == 5000 and report["ingest"]["status"] == "published"
    assert report["queries"]["ours_filtered_sorted_page"]["n"] == 3
    # Like for like: as many timed samples on Datasette, as many server processes.
    assert report["queries"]["datasette_filtered_sorted_page"]["n"] == 3
    assert report["queries"]["datasette_group_by"]["n"] == 3
    assert "2 worker processes" in report["like_for_like"]["datasette"]
    assert report["queries"]["http_upload"]["upload_to_queryable_s"] > 0
    assert "api_key" not in report["ingest"]  # the key used for the upload is not written out
    assert report["queries"]["speedup_group_by_p95"] > 0
