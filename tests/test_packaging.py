"""How the course is packaged: the three ways to install it agree (pyproject.toml, requirements.lock, environment.yml),
the floors of docs/architecture.md are the ones import-linter enforces, and the learner's package stays light."""

from __future__ import annotations

import re
import subprocess
import sys
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


def test_the_floors_are_listed_once_and_enforced_as_listed():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- floors[^\n]*-->\n```text\n(.*?)```", text, flags=re.S).group(1)
    documented = [set(line.split()[1:]) for line in block.splitlines() if line.strip()]
    contracts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    floors = next(c for c in contracts if c.get("containers") == ["aelib"])
    enforced = [{m.strip() for m in layer.split(":")} for layer in floors["layers"]]
    assert documented == enforced, "docs/architecture.md and pyproject.toml list different floors"
    modules = {p.stem for p in (REPO / "aelib").glob("*.py") if p.stem != "__init__"}
    modules |= {p.name for p in (REPO / "aelib").iterdir() if (p / "__init__.py").exists()}
    assert set().union(*documented) == modules, "every module of aelib has its floor, and only those"


def test_importing_the_learners_package_loads_no_site_or_notebook_machinery():
    learner = "aelib, aelib.data, aelib.models, aelib.train, aelib.metrics, aelib.plots, aelib.recipes, aelib.latent"
    learner += ", aelib.subjects, aelib.panels, aelib.sampling, aelib.baselines, aelib.challenge, aelib.exercises"
    learner += ", aelib.widgets"
    heavy = ("sphinx", "myst_nb", "nbformat", "nbconvert", "nbclient", "aelib.tools")
    code = f"import sys, {learner}; print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r} " \
           f"or m.startswith('aelib.tools')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]", f"the learner's package loaded: {out.stdout.strip()}"


def test_one_command_line_lists_every_subcommand():
    out = subprocess.run([sys.executable, "-m", "aelib", "--help"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0
    for command in ("data", "challenge", "course", "book", "student", "bench"):
        assert re.search(rf"^\s+{command}\s", out.stdout, flags=re.M), f"`python -m aelib --help` lacks {command}"
    out = subprocess.run([sys.executable, "-m", "aelib", "student", "--help"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0 and "usage: python -m aelib student" in out.stdout
