"""Front-end packages copied from npm into the package's static folder (ADR 8).

The pages use a few npm packages (htmx, Leaflet, Leaflet.markercluster). They are copied once,
at install time (`territoria vendor_assets`, run by `make install`), into
`territoria/core/static/vendor/`: that folder is git-ignored but shipped in the wheel as package
data, so a pip-installed deployment serves them with no `node_modules` beside it and nothing is
ever fetched from a CDN. Only the files the pages load are copied, with each package's licence.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"


@dataclass(frozen=True)
class VendoredPackage:
    name: str  # npm package name (folder in node_modules)
    prefix: str  # folder under static/vendor/ (the URL the templates use)
    files: tuple[str, ...]  # paths inside the npm package (a folder is copied whole)


PACKAGES = (
    VendoredPackage("htmx.org", "htmx", ("dist/htmx.min.js", "LICENSE")),
    VendoredPackage(
        "leaflet",
        "leaflet",
        # The source maps the scripts name: hashed static names (collectstatic) need them.
        ("dist/leaflet.js", "dist/leaflet.js.map", "dist/leaflet.css", "dist/images", "LICENSE"),
    ),
    VendoredPackage(
        "leaflet.markercluster",
        "leaflet.markercluster",
        (
            "dist/leaflet.markercluster.js",
            "dist/leaflet.markercluster.js.map",
            "dist/MarkerCluster.css",
            "dist/MarkerCluster.Default.css",
            "MIT-LICENCE.txt",
        ),
    ),
)


class VendorError(Exception):
    """A package or one of its files is missing from node_modules (message in French)."""


def _target_name(path: str) -> str:
    # dist/leaflet.js -> leaflet.js: the templates name files without the npm layout.
    return path.removeprefix("dist/")


def vendor_assets(node_modules: Path, target: Path = VENDOR_DIR) -> list[Path]:
    """Copy the packages' files from `node_modules` into `target`; return the files written.

    Everything is checked before anything is copied, so a missing package leaves the previous
    copy untouched; `target` is then replaced whole (no stale file of an older version stays).
    """
    missing = [
        f"{package.name}/{path}"
        for package in PACKAGES
        for path in package.files
        if not (node_modules / package.name / path).exists()
    ]
    if missing:
        raise VendorError(
            f"Paquets npm absents de {node_modules} : {', '.join(missing)}. "
            "Lancez `npm ci` (ou `make install`) avant `territoria vendor_assets`."
        )
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    written: list[Path] = []
    versions = {}
    for package in PACKAGES:
        source = node_modules / package.name
        versions[package.name] = json.loads((source / "package.json").read_text())["version"]
        for path in package.files:
            destination = staging / package.prefix / _target_name(path)
            if (source / path).is_dir():
                shutil.copytree(source / path, destination)
                written.extend(p for p in destination.rglob("*") if p.is_file())
            else:
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source / path, destination)
                written.append(destination)
    (staging / "versions.json").write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return [target / p.relative_to(staging) for p in written] + [target / "versions.json"]
