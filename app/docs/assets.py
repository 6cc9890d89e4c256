"""Installing the Swagger UI and ReDoc files that ``/docs`` and ``/redoc`` serve.

They are third-party builds (the npm packages ``swagger-ui-dist`` and ``redoc``), so neither the
repository nor the source tree carries them: the repository carries their versions (``pins/VERSIONS``)
and the SHA-256 of every file taken from them (``pins/SHA256SUMS``). ``inventory install-docs-assets``
downloads the two package tarballs from the npm registry and copies those files into the docs-assets
folder (``INVENTORY_DOCS_ASSETS_DIR``, by default in the user's cache folder), refusing any file whose
digest differs, so what is served is exactly what was reviewed. ``make`` runs it on install, the image runs it
at build time; afterwards the pages load nothing from another host. To move to new versions, run it
with ``--update`` after changing ``VERSIONS``, check the docs tests, and commit the new checksums.

Used by the command line only: serving imports nothing of this module.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import urllib.request
from pathlib import Path

PINS_DIR = Path(__file__).parent / "pins"
"""The pinned versions and checksums (committed)."""
REGISTRY = "https://registry.npmjs.org"
FILES = {
    "swagger-ui-dist": {
        "swagger-ui/swagger-ui-bundle.js": "package/swagger-ui-bundle.js",
        "swagger-ui/swagger-ui-bundle.js.LICENSE.txt": "package/swagger-ui-bundle.js.LICENSE.txt",
        "swagger-ui/swagger-ui.css": "package/swagger-ui.css",
        "swagger-ui/LICENSE": "package/LICENSE",
        "swagger-ui/NOTICE": "package/NOTICE",
        "swagger-ui/favicon-32x32.png": "package/favicon-32x32.png",
    },
    "redoc": {
        "redoc/redoc.standalone.js": "package/bundles/redoc.standalone.js",
        "redoc/redoc.standalone.js.LICENSE.txt": "package/bundles/redoc.standalone.js.LICENSE.txt",
        "redoc/LICENSE": "package/LICENSE",
    },
}
"""Per npm package: where each served file goes in the docs-assets folder, and where it is in the tarball."""


class AssetMismatch(Exception):
    """A downloaded file is not the one the checksums name."""


def versions(pins: Path = PINS_DIR) -> dict[str, str]:
    """The pinned version of each package, from ``VERSIONS`` (``<package> <version>`` per line)."""
    return dict(line.split() for line in (pins / "VERSIONS").read_text().splitlines() if line.strip())


def checksums(pins: Path = PINS_DIR) -> dict[str, str]:
    """The expected SHA-256 of each served file, from ``SHA256SUMS`` (``sha256sum`` format)."""
    pairs = (line.split() for line in (pins / "SHA256SUMS").read_text().splitlines() if line.strip())
    return {name: digest for digest, name in pairs}


def installed(target: Path, pins: Path = PINS_DIR) -> bool:
    """Whether every file is present in ``target`` with its pinned digest."""
    return all(
        (target / name).is_file() and hashlib.sha256((target / name).read_bytes()).hexdigest() == digest
        for name, digest in checksums(pins).items()
    )


def _tarball(package: str, version: str) -> bytes:
    url = f"{REGISTRY}/{package}/-/{package}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (a fixed https registry URL)
        return response.read()


def install(target: Path, pins: Path = PINS_DIR, *, update: bool = False, fetch=_tarball) -> list[str]:
    """Download the pinned packages and write their served files into ``target``; return the names written.

    Every file must match ``SHA256SUMS`` (nothing is written otherwise) unless ``update`` is set, which
    writes the files of the versions now in ``VERSIONS`` and new checksums for them."""
    expected = checksums(pins)
    contents: dict[str, bytes] = {}
    for package, version in versions(pins).items():
        with tarfile.open(fileobj=io.BytesIO(fetch(package, version)), mode="r:gz") as archive:
            for name, member in FILES[package].items():
                extracted = archive.extractfile(member)
                if extracted is None:
                    raise AssetMismatch(f"{package} {version} has no {member}")
                contents[name] = extracted.read()
    if not update:
        wrong = [name for name, data in contents.items() if hashlib.sha256(data).hexdigest() != expected.get(name)]
        missing = sorted(set(expected) - set(contents))
        if wrong or missing:
            raise AssetMismatch(f"not the pinned files: {', '.join(wrong + missing)}; nothing was written")
    for name, data in contents.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(data)
    if update:
        lines = [f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in sorted(contents.items())]
        (pins / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    return sorted(contents)
