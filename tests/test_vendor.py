"""The widget manager the site's pages load (aelib/tools/vendor.py): pinned, checked, unpacked whole or not at all."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import urllib.request

import pytest

from aelib.tools import vendor


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def pinned(data: bytes, files=("dist/embed.js", "dist/*.woff2", "LICENSE")) -> vendor.NpmPackage:
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    return vendor.NpmPackage("@scope/fake", "1.2.3", integrity, tuple(files))


FILES = {
    "dist/embed.js": b"console.log('widgets');",
    "dist/a1.woff2": b"font",
    "dist/sub/b.woff2": b"not wanted: a subfolder",
    "dist/embed.js.map": b"not wanted",
    "LICENSE": b"BSD",
}


def test_the_pinned_tarball_is_unpacked_with_only_the_wanted_files(tmp_path):
    data = tarball(FILES)
    package = pinned(data)
    assert vendor.available(package, tmp_path) is None
    where = vendor.unpack(data, package, tmp_path)
    assert where == tmp_path / "web" / "fake-1.2.3" == vendor.available(package, tmp_path)
    assert sorted(p.name for p in where.iterdir()) == [".complete", "LICENSE", "a1.woff2", "embed.js"]
    assert (where / "embed.js").read_bytes() == FILES["dist/embed.js"]


def test_other_bytes_are_refused_and_nothing_is_written(tmp_path):
    package = pinned(tarball(FILES))
    tampered = tarball({**FILES, "dist/embed.js": b"alert('not the pinned file')"})
    with pytest.raises(vendor.VendorError, match="sha512 .* expected .*not the pinned package"):
        vendor.unpack(tampered, package, tmp_path)
    assert vendor.available(package, tmp_path) is None
    web = tmp_path / "web"
    assert not web.exists() or not list(web.iterdir()), "no half-unpacked folder left behind"


def test_an_unfinished_folder_is_not_taken_for_the_package(tmp_path):
    package = pinned(tarball(FILES))
    (vendor.folder(package, tmp_path)).mkdir(parents=True)
    (vendor.folder(package, tmp_path) / "embed.js").write_text("half")
    assert vendor.available(package, tmp_path) is None


def test_offline_fetch_says_the_site_still_builds(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(vendor.VendorError, match="Network is unreachable.*still builds.*widgets shown as text"):
        vendor.fetch(pinned(b"x"), tmp_path, log=lambda *_: None)


def test_a_cached_package_is_not_fetched_again(tmp_path, monkeypatch):
    data = tarball(FILES)
    package = pinned(data)
    vendor.unpack(data, package, tmp_path)
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: pytest.fail("fetched although cached"))
    assert vendor.fetch(package, tmp_path) == vendor.folder(package, tmp_path)


def test_the_pin_names_the_registry_tarball_and_a_sha512():
    assert vendor.HTML_MANAGER.url == (
        "https://registry.npmjs.org/@jupyter-widgets/html-manager/-/html-manager-1.0.15.tgz"
    )
    assert vendor.HTML_MANAGER.integrity.startswith("sha512-") and "dist/embed.js" in vendor.HTML_MANAGER.files
