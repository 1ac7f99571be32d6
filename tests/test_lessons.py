"""What the lessons are (aelib/tools/lessons.py): titles, summaries and run times, read from the notebooks."""

from __future__ import annotations

import json

import nbformat

from aelib.tools import lessons


def timed_notebook(path, stamps: list[tuple[str, str]]):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Lesson 03 — Timed\n\nIt was timed. Not this sentence.")]
    for start, end in stamps:
        cell = nbformat.v4.new_code_cell("pass")
        cell.metadata["execution"] = {"iopub.execute_input": start, "shell.execute_reply": end}
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


def test_the_stored_run_time_spans_the_first_start_to_the_last_reply(tmp_path):
    path = timed_notebook(
        tmp_path / "03_timed.ipynb",
        [("2026-12-01T08:40:57.5Z", "2026-12-01T08:41:02.0Z"), ("2026-12-01T08:41:02.1Z", "2026-12-01T08:42:10.0Z")],
    )
    assert lessons.stored_seconds(nbformat.read(path, as_version=4)) == (72.5, "2026-12-01")
    lesson = lessons.describe(path, timings=tmp_path / "none.json")
    assert (lesson.title, lesson.summary, lesson.seconds) == ("Lesson 03 — Timed", "It was timed.", 72.5)
    assert lesson.timed == "the stored run of 2026-12-01" and lesson.number == "03"


def test_this_machines_make_course_time_wins(tmp_path):
    path = timed_notebook(tmp_path / "03_timed.ipynb", [("2026-12-01T08:40:57Z", "2026-12-01T08:41:57Z")])
    timings = tmp_path / "timings.json"
    timings.write_text(json.dumps([{"file": "03_timed.ipynb", "title": "t", "summary": "s", "seconds": 12.0}]))
    lesson = lessons.describe(path, timings)
    assert lesson.seconds == 12.0 and "this machine" in lesson.timed


def test_a_never_run_notebook_says_so(tmp_path):
    path = timed_notebook(tmp_path / "04_new.ipynb", [])
    lesson = lessons.describe(path, tmp_path / "none.json")
    assert lesson.seconds is None and "make course" in lesson.timed
    assert lessons.minutes(None) == "not measured"
    assert lessons.minutes(90) == "1.5\u00a0min"  # no-break space: the table cell never wraps "min" alone


def test_every_stored_lesson_has_a_title_a_summary_and_a_stored_run_time():
    found = lessons.numbered()
    assert [p.name[:2] for p in found] == [f"{i:02d}" for i in range(1, len(found) + 1)]
    for path in found:
        lesson = lessons.describe(path, timings=path.parent / "no-such-timings.json")
        assert lesson.title.startswith(f"Lesson {lesson.number}") and lesson.summary.endswith("."), path
        assert lesson.seconds is not None and 5 < lesson.seconds < 900, (path, lesson.seconds)


def test_chosen_takes_numbers_in_any_spelling(tmp_path):
    paths = [tmp_path / "01_a.ipynb", tmp_path / "02_b.ipynb", tmp_path / "10_c.ipynb"]
    assert lessons.chosen(paths, ["2", "10_c"]) == [paths[1], paths[2]]
    assert lessons.chosen(paths, None) == paths


def test_execute_runs_in_a_kernel_whose_messages_are_encrypted(tmp_path, capfd):
    """The course runner's kernel gets CurveZMQ keys from its manager, so ipykernel prints no warning that it talks
    over TCP in plain text (it writes that to the kernel's stderr, our own when nbclient starts it)."""
    nb = nbformat.v4.new_notebook()
    source = "import json\nfrom ipykernel.connect import get_connection_file\n\nprint(sorted(json.load(open("
    source += "get_connection_file()))))"
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "01_tiny.ipynb"
    nbformat.write(nb, path)
    ran = lessons.execute(path)
    printed = ran.cells[0].outputs[0]["text"]
    assert "curve_publickey" in printed and "curve_secretkey" in printed, printed  # the keys the manager provisioned
    assert "without encryption" not in capfd.readouterr().err
