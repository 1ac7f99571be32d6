"""README and docs/ as a reader meets them: short, about the course alone, their commands real and their numbers
those the lessons store."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"


def tracked_text_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], capture_output=True, text=True, cwd=REPO)
    if out.returncode != 0:
        pytest.skip("not a git checkout")
    suffixes = {".py", ".md", ".toml", ".cfg", ".yml", ".json", ".txt", ""}
    return [REPO / f for f in out.stdout.splitlines() if Path(f).suffix in suffixes and (REPO / f).is_file()]


def test_readme_is_short_and_tells_no_history():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b|\bsession\b", text, flags=re.I), "README tells no history of the work"
    for section in ("## Who it is for", "## The two commands", "## Without `make` (Windows)", "## The lessons",
                    "## Going deeper"):
        assert section in text
    assert "![" in text, "a screenshot"


def test_the_project_speaks_of_itself_alone():
    """No file points outside the repository: no folder beside the clone, no build machine's absolute path."""
    beside = r"\.\./" + "sha" + "red"  # spelt in parts, so that this test does not find itself
    outside = re.compile(beside + r"\b|(?<![\w.])/(?:work|home|root|Users)/\w")
    found = [f"{path.relative_to(REPO)}:{n}" for path in tracked_text_files()
             for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             if outside.search(line)]
    assert not found, f"these lines point outside the repository: {found}"


def test_every_link_of_readme_and_docs_leads_to_a_file():
    for page in [README, *sorted((REPO / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", text):
            if not re.match(r"[a-z]+:", target):
                assert (page.parent / target).exists(), f"{page.name} links to {target}, which does not exist"


@pytest.mark.lessons
def test_the_windows_steps_run_here_with_slashes():
    """README's steps without make, run on Linux in this checkout's venv (each is idempotent: the venv, the pins and
    the data are there already after `make test`'s set-up), with / for \\ and `py -3.11` for this Python."""
    block = re.search(r"## Without `make`.*?```bat\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    lines = [line for line in block.group(1).splitlines() if line.strip()]
    assert lines[0] == "py -3.11 -m venv .venv" and any("aelib data fetch" in line for line in lines)
    *steps, lab = lines
    assert lab.startswith(r".venv\Scripts\jupyter lab --config=jupyter\jupyter_server_config.json")
    assert (REPO / "jupyter" / "jupyter_server_config.json").is_file()
    for line in steps:
        command = line.replace("\\", "/").replace(".venv/Scripts/", ".venv/bin/")
        command = command.replace("py -3.11", sys.executable if not Path(sys.prefix).samefile(REPO / ".venv")
                                  else sys.base_prefix + "/bin/python3")
        done = subprocess.run(command, shell=True, cwd=REPO, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{line}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    jupyter = subprocess.run([str(REPO / ".venv" / "bin" / "jupyter"), "lab", "--version"], capture_output=True)
    assert jupyter.returncode == 0


def stored_text(notebook: Path) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    out = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            out.append("".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", "")))
    return "\n".join(out)


def test_the_results_table_holds_the_numbers_the_lessons_store():
    """docs/results.md: each model's test figure is one its lesson prints in its stored outputs (rounded to the
    table's digits)."""
    text = (REPO / "docs" / "results.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (.+?) \((\d\d)\)[^|]*\| [^|]* \| ([^|]+) \|", text, flags=re.M)
    assert len(rows) >= 12, rows
    outputs = {p.name[:2]: stored_text(p) for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    for model, lesson, figures in rows:
        numbers = re.findall(r"(?<![\w.])\d+\.\d+", figures.split("(")[0] + " ".join(re.findall(r"\*\*(.*?)\*\*",
                                                                                          figures)))
        assert numbers, (model, figures)
        printed = [float(x) for x in re.findall(r"(?<![\w.])\d+\.\d+", outputs[lesson])]
        for number in numbers:
            half = 0.5 * 10 ** -len(number.split(".")[1]) * (1 + 1e-9)
            assert any(abs(x - float(number)) <= half for x in printed), (
                f"{model} ({lesson}): {number} is not a figure lesson {lesson} prints in its stored outputs")
