"""Front-end npm files are copied into the package and shipped in the wheel (ADR 8)."""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from territoria.core.vendor import PACKAGES, VendorError, vendor_assets

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
# What the templates load: if one of these is missing from the wheel, a page breaks.
PAGE_ASSETS = [
    "territoria/core/static/vendor/htmx/htmx.min.js",
    "territoria/core/static/vendor/leaflet/leaflet.js",
    "territoria/core/static/vendor/leaflet/leaflet.css",
    "territoria/core/static/vendor/leaflet/images/marker-icon.png",
    "territoria/core/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
    "territoria/core/static/vendor/leaflet.markercluster/MarkerCluster.Default.css",
]

needs_npm = pytest.mark.skipif(
    not all((NODE_MODULES / p.name).is_dir() for p in PACKAGES),
    reason="paquets npm absents (lancez `npm ci`)",
)


@needs_npm
def test_vendor_copies_the_page_files_with_licences_and_versions(tmp_path):
    target = tmp_path / "vendor"
    written = vendor_assets(NODE_MODULES, target)
    assert all(path.is_file() for path in written)
    assert (target / "leaflet/leaflet.js").read_bytes() == (
        NODE_MODULES / "leaflet/dist/leaflet.js"
    ).read_bytes()
    assert (target / "leaflet/LICENSE").is_file()
    assert (target / "leaflet.markercluster/MIT-LICENCE.txt").is_file()
    versions = json.loads((target / "versions.json").read_text())
    for package in PACKAGES:
        npm = json.loads((NODE_MODULES / package.name / "package.json").read_text())
        assert versions[package.name] == npm["version"]


def test_missing_package_is_named_in_french_and_the_previous_copy_is_kept(tmp_path):
    target = tmp_path / "vendor"
    target.mkdir()
    (target / "kept.js").write_text("previous copy")
    with pytest.raises(VendorError, match=r"Paquets npm absents .*leaflet/dist/leaflet\.js"):
        vendor_assets(tmp_path / "empty_node_modules", target)
    assert (target / "kept.js").read_text() == "previous copy"


@needs_npm
@pytest.mark.slow
def test_the_built_wheel_carries_the_front_end_assets(tmp_path):
    # A copy of the source tree, so the build leaves the checkout untouched.
    source = tmp_path / "source"
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(source / "src/territoria/core/static/vendor", ignore_errors=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    vendor_assets(NODE_MODULES, source / "src/territoria/core/static/vendor")
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", str(wheels), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("territoria-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [asset for asset in PAGE_ASSETS if asset not in names]
    assert not missing, f"absents de la roue {wheel.name} : {missing}"
