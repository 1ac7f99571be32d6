"""Browser code the course's site needs, fetched once from the npm registry and checked: ``aelib book fetch``.

The lesson pages show ipywidgets (progress bars, the explorers) drawn from the widget state saved in each notebook.
Drawing them takes ipywidgets' own "embed" manager, ``@jupyter-widgets/html-manager`` (``dist/embed.js`` and the
icon fonts it loads): the bundle ipywidgets itself points at, but on a CDN, which an offline build cannot use. So,
like a pin in ``requirements.lock``, the exact tarball is named here with the registry's sha512 integrity; it is
fetched once (``make`` does it before building the site), checked, and unpacked into the aelib cache
(``$AELIB_DATA`` or ``~/.cache/aelib``, beside the datasets) under ``web/<name>-<version>/``. Building the site
never touches the network: without the files it still builds, and the widgets are shown as text (the page says so).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from aelib.data import data_root


@dataclass(frozen=True)
class NpmPackage:
    name: str  # as npm spells it
    version: str
    integrity: str  # "sha512-<base64>", as the registry's dist.integrity gives it
    files: tuple[str, ...]  # what to keep: paths inside the tarball's package/ folder, or "*.ext" in one folder

    @property
    def url(self) -> str:
        return f"https://registry.npmjs.org/{self.name}/-/{self.name.split('/')[-1]}-{self.version}.tgz"

    @property
    def folder_name(self) -> str:
        return f"{self.name.split('/')[-1]}-{self.version}"


# ipywidgets 8.1.9 names html-manager ^1.0.1 for its embed script (ipywidgets/_version.py); 1.0.15 is the newest 1.0.
HTML_MANAGER = NpmPackage(
    name="@jupyter-widgets/html-manager",
    version="1.0.15",
    integrity="sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
    files=("dist/embed.js", "dist/embed.js.LICENSE.txt", "dist/*.woff2", "dist/*.woff", "dist/*.ttf",
           "dist/*.eot", "dist/*.svg", "LICENSE"),
)  # fmt: skip


class VendorError(RuntimeError):
    """The package could not be fetched or is not the pinned one; the message says what to do."""


def folder(package: NpmPackage = HTML_MANAGER, root: Path | None = None) -> Path:
    """Where the unpacked files live (whether or not they are there yet)."""
    return Path(root if root is not None else data_root()) / "web" / package.folder_name


def available(package: NpmPackage = HTML_MANAGER, root: Path | None = None) -> Path | None:
    """The unpacked folder if it is complete (a finished unpack writes ``.complete`` last), else None."""
    where = folder(package, root)
    return where if (where / ".complete").is_file() else None


def check_integrity(data: bytes, integrity: str) -> None:
    """Raise VendorError unless ``data`` has the registry's ``sha512-…`` integrity."""
    algo, _, expected = integrity.partition("-")
    if algo != "sha512":
        raise VendorError(f"unsupported integrity {integrity!r}: expected 'sha512-<base64>'")
    got = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if got != expected:
        raise VendorError(f"the tarball's sha512 is {got}, expected {expected}: not the pinned package")


def _wanted(member: str, patterns: tuple[str, ...]) -> bool:
    inner = member.removeprefix("package/")
    for pattern in patterns:
        if "*" in pattern:
            head, _, ext = pattern.partition("*")
            if inner.startswith(head) and "/" not in inner[len(head) :] and inner.endswith(ext):
                return True
        elif inner == pattern:
            return True
    return False


def unpack(data: bytes, package: NpmPackage = HTML_MANAGER, root: Path | None = None) -> Path:
    """Check ``data`` against the pin and unpack the wanted files; readers see the whole folder or none of it."""
    check_integrity(data, package.integrity)
    target = folder(package, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part"))
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            members = [m for m in tar.getmembers() if m.isfile() and _wanted(m.name, package.files)]
            if not members:
                raise VendorError(f"{package.name}@{package.version} holds none of {package.files}")
            for member in members:
                out = tmp / Path(member.name.removeprefix("package/")).name
                with tar.extractfile(member) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        (tmp / ".complete").write_text(f"{package.name}@{package.version} {package.integrity}\n")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def fetch(package: NpmPackage = HTML_MANAGER, root: Path | None = None, timeout: float = 60.0, log=print) -> Path:
    """The unpacked package, downloading it first when it is not in the cache. Raises VendorError offline."""
    done = available(package, root)
    if done:
        return done
    log(f"fetching {package.name}@{package.version} (the widget manager of the site's pages) from the npm registry …")
    try:
        with urllib.request.urlopen(package.url, timeout=timeout) as response:  # noqa: S310 (a fixed https URL)
            data = response.read()
    except OSError as err:
        raise VendorError(
            f"could not download {package.url} ({err}). The site still builds, with the widgets shown as text; "
            f"run `python -m aelib book fetch` (or `make docs`) again with a network to draw them."
        ) from None
    return unpack(data, package, root)
