"""The course runner (`make course`): runs the lessons, times them, builds the site; says when there are none."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat

from aelib.tools import course, lessons

REPO = Path(__file__).resolve().parent.parent


def tiny_lesson(path: Path, title: str, summary: str, code: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {title}\n\n{summary} More prose that is not the summary.\n\n- a list"),
        nbformat.v4.new_code_cell(code),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_no_lessons_is_said_not_failed(tmp_path):
    said = []
    (tmp_path / "notes.ipynb").write_text("{}")  # not NN_name.ipynb: not a lesson
    assert course.run_course(tmp_path, tmp_path / "executed", site=tmp_path / "site", log=said.append) == []
    assert len(said) == 1 and "No lessons found" in said[0] and "NN_name.ipynb" in said[0]
    assert not (tmp_path / "executed").exists() and not (tmp_path / "site").exists()


def test_the_command_line_says_so_too(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "aelib", "course", "--notebooks", str(tmp_path), "--executed", str(tmp_path / "b")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "No lessons found" in result.stdout


def test_title_and_summary_are_the_heading_and_the_first_sentence(tmp_path):
    path = tiny_lesson(tmp_path / "01_a.ipynb", "Lesson 01 — Pixels", "We look at pixels.", "x = 1")
    title, summary = lessons.title_and_summary(nbformat.read(path, as_version=4))
    assert (title, summary) == ("Lesson 01 — Pixels", "We look at pixels.")


def test_lessons_run_in_order_and_the_site_shows_what_just_ran(tmp_path):
    notebooks, executed, site = tmp_path / "nb", tmp_path / "executed", tmp_path / "site"
    notebooks.mkdir()
    tiny_lesson(notebooks / "02_second.ipynb", "Lesson 02 — Second", "The second one.", "print(6 * 7)")
    tiny_lesson(notebooks / "01_first.ipynb", "Lesson 01 — First", "The first one.", "print('hello')")
    said = []
    runs = course.run_course(notebooks, executed, inplace=True, site=site, log=said.append)

    assert [r.file for r in runs] == ["01_first.ipynb", "02_second.ipynb"]
    assert all(r.seconds > 0 for r in runs)
    ran = nbformat.read(executed / "02_second.ipynb", as_version=4)
    assert ran.cells[1].outputs[0]["text"] == "42\n"
    assert nbformat.read(notebooks / "02_second.ipynb", as_version=4).cells[1].outputs, "--inplace stores outputs"
    timings = json.loads((executed / "timings.json").read_text())
    assert [t["file"] for t in timings] == ["01_first.ipynb", "02_second.ipynb"]
    # The site shows the outputs just produced (nothing executed twice) and this machine's run times.
    assert "42" in (site / "lessons" / "02_second.html").read_text()
    index = (site / "index.html").read_text()
    assert index.index("Lesson 01 — First") < index.index("Lesson 02 — Second")
    assert "lessons/01_first.html" in index and "The second one." in index
    assert lessons.minutes(runs[1].seconds) in index
    assert "this machine’s <code" in (site / "lessons" / "02_second.html").read_text(), "the page says which run"
    assert "Executed 2 lesson(s)" in said[-2] and "Built the course's site (2 lessons" in said[-1]

    # Running one lesson again keeps the other's timing; the other page shows its stored outputs.
    (executed / "01_first.ipynb").unlink()
    course.run_course(notebooks, executed, only=["2"], site=site, log=said.append)
    assert len(json.loads((executed / "timings.json").read_text())) == 2
    assert "hello" in (site / "lessons" / "01_first.html").read_text()
