"""The three ways to install the course agree: pyproject.toml, requirements.lock (pip) and environment.yml (conda)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
# conda-forge names that differ from PyPI names.
CONDA_TO_PYPI = {"pytorch": "torch"}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_packages() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    return {norm(re.split(r"[<>=!~ \[;]", s, maxsplit=1)[0]) for s in specs}


def conda_pins() -> dict[str, str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and dep.split("=")[0] not in ("python", "pip"):
            name, version = dep.split("=", 1)
            pins[norm(CONDA_TO_PYPI.get(name, name))] = version
    return pins


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split(";")[0].strip().split("==")
            pins[norm(name)] = version
    return pins


def test_environment_yml_names_the_same_packages_as_pyproject():
    assert set(conda_pins()) == pyproject_packages()


def test_environment_yml_versions_equal_the_lock_file():
    lock = lock_pins()
    for name, version in conda_pins().items():
        assert lock.get(name) == version, f"{name}: environment.yml has {version}, requirements.lock {lock.get(name)}"


def test_environment_yml_installs_aelib_editable_with_pip():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = [d for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_section == [{"pip": ["-e ."]}]
    assert "conda-forge" in env["channels"]


def test_lock_pins_every_pyproject_package_within_its_range():
    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lock = lock_pins()
    specs = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    for spec in specs:
        req = Requirement(spec)
        assert norm(req.name) in lock, f"{req.name} is not pinned in requirements.lock"
        assert req.specifier.contains(lock[norm(req.name)]), f"{req.name}=={lock[norm(req.name)]} not in {spec}"


def test_torch_pins_are_the_ones_on_this_machines_disk():
    lock = lock_pins()
    assert lock["torch"] == "2.14.1" and lock["torchvision"] == "0.29.1"


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    assert "make test" in readme and "make course" in readme
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)
    makefile = (REPO / "Makefile").read_text()
    for target in ("course", "test", "lab", "data"):
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile has no '{target}' target"
