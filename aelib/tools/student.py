"""Classroom copies of the lessons: ``python -m aelib.tools.student`` (``make student``).

The lessons in ``notebooks/`` are the instructor notebooks: each ends with exercises whose solutions sit inside
nbgrader markup (``### BEGIN SOLUTION`` … ``### END SOLUTION``, ``### BEGIN HIDDEN TESTS`` …) in cells carrying
nbgrader's cell metadata. This module writes, to ``build/student/``:

- ``NN_*.ipynb``: the student copies, made by nbgrader's own preprocessors run through nbconvert —
  ``CheckCellMetadata`` (the markup is valid, grade ids unique), ``LockCells`` (task and check cells read-only),
  ``ClearSolutions`` (solutions become ``raise NotImplementedError()`` stubs), ``ClearHiddenTests`` and
  ``ClearOutput``;
- ``TEACHER.md``: the teacher guide, ``docs/TEACHER.md`` with its tables generated from the notebooks' metadata
  (exercises, points, grade ids) and the last measured run times, so the guide never drifts from the lessons.

Nothing else is copied: the student notebooks import ``aelib`` and read the data cache, like the lessons.

``python -m aelib student --grade FILE.ipynb …`` grades completed copies without nbgrader: it puts the instructor's
check cells back (hidden tests included, as ``nbgrader autograde`` does), runs each notebook in a fresh kernel with
errors allowed, and gives each exercise its points when its check cell ran without an error.

Every exercise cell is marked in its metadata as ``{"aelib": {"exercise": "02.3", "part": …}}`` with part one of
``intro``, ``task``, ``solution``, ``check``; the nbgrader metadata (schema 3) sits beside it under ``nbgrader``.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from aelib.tools import i18n
from aelib.tools.lessons import N_, NOTEBOOKS, REPO, TIMINGS, chosen, describe, execute, minutes, numbered

OUT = REPO / "build" / "student"
GUIDE = REPO / "docs" / "TEACHER.md"

EXERCISE_TABLE = "<!-- exercise table: generated -->"
LESSON_TABLE = "<!-- lesson table: generated -->"


@dataclass(frozen=True)
class Exercise:
    """One exercise of a lesson, read from the notebook's cell metadata."""

    lesson: str  # "02"
    number: str  # "2.3", as the task's heading shows it
    title: str  # from the task cell's heading
    kind: str  # "code", "number" or "choice" (the task heading says which, in brackets)
    points: float
    solution_ids: tuple[str, ...]  # nbgrader grade_ids of the solution cells
    check_id: str  # nbgrader grade_id of the check (grade) cell


lessons = numbered  # the numbered lessons NN_*.ipynb in a folder (default notebooks/), in order


def part(cell) -> str | None:
    """The exercise part of a cell (``intro``, ``task``, ``solution``, ``check``), or None for a lesson cell."""
    meta = cell.get("metadata", {}).get("aelib", {})
    return meta.get("part") if isinstance(meta, dict) else None


def exercises(nb, lesson: str) -> list[Exercise]:
    """The exercises of a notebook, from its cells' ``aelib`` and ``nbgrader`` metadata, in order."""
    found: dict[str, dict] = {}
    for cell in nb.cells:
        meta = cell.metadata.get("aelib")
        if not isinstance(meta, dict) or "exercise" not in meta or meta.get("part") == "intro":
            continue
        ex = found.setdefault(
            meta["exercise"], {"shown": meta["exercise"], "title": "", "kind": "", "solutions": [], "check": None}
        )
        grader = cell.metadata.get("nbgrader", {})
        if meta["part"] == "task":
            heading = next((ln for ln in cell.source.splitlines() if ln.startswith("#")), "")
            m = re.match(r"#+\s*(?:Exercise|练习)\s*([\d.]+)\s*[—-]\s*(.*?)\s*(?:[(（]([^)）]*)[)）])?\s*$", heading)
            ex["shown"] = m.group(1) if m else meta["exercise"]
            ex["title"] = m.group(2) if m else heading.lstrip("#").strip()
            ex["kind"] = re.split(r"[,，]", m.group(3) or "")[0].strip() if m else ""
        elif meta["part"] == "solution":
            ex["solutions"].append(grader.get("grade_id", ""))
        elif meta["part"] == "check":
            ex["check"] = (grader.get("grade_id", ""), float(grader.get("points", 0)))
    result = []
    for number, ex in found.items():
        if ex["check"] is None:
            raise ValueError(f"lesson {lesson}: exercise {number} has no check cell")
        check_id, points = ex["check"]
        result.append(Exercise(lesson, ex["shown"], ex["title"], ex["kind"], points, tuple(ex["solutions"]), check_id))
    return result


# ----------------------------------------------------------------------------------------------------------------
# Student copies, through nbgrader's preprocessors


def student_exporter():
    """An nbconvert ``NotebookExporter`` running nbgrader's preprocessors, in the order generate_assignment uses."""
    from nbconvert.exporters import NotebookExporter
    from nbgrader.preprocessors import CheckCellMetadata, ClearHiddenTests, ClearOutput, ClearSolutions, LockCells

    exporter = NotebookExporter()
    clear_output = ClearOutput(remove_metadata_fields={"collapsed", "scrolled", "execution"})  # + nbclient's timings
    for preprocessor in (
        CheckCellMetadata(),
        LockCells(),
        ClearSolutions(),
        clear_output,
        ClearHiddenTests(),
        CheckCellMetadata(),
    ):
        exporter.register_preprocessor(preprocessor, enabled=True)
    return exporter


def student_copy(nb, folder: Path):
    """The student copy of the instructor notebook ``nb`` (a notebook object that lives in ``folder``)."""
    import nbformat

    body, _ = student_exporter().from_notebook_node(nb, resources={"metadata": {"path": str(folder)}})
    return nbformat.reads(body, as_version=4)


def make_student_copy(src: Path, dst: Path) -> None:
    """Write the student copy of the instructor notebook ``src`` to ``dst``."""
    import nbformat

    copy = student_copy(nbformat.read(src, as_version=4), src.parent)
    dst.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(copy, dst)


# ----------------------------------------------------------------------------------------------------------------
# The teacher guide


def _fmt_points(p: float) -> str:
    return f"{p:g}"


def _header(names: list[str], translate) -> list[str]:
    return ["| " + " | ".join(translate(name) for name in names) + " |", "|---" * len(names) + "|"]


def exercise_table(paths: list[Path], translate=str) -> str:
    """A Markdown table of every exercise: lesson, number, title, kind, points, nbgrader grade ids (headers in the
    words of ``translate``)."""
    import nbformat

    rows = _header([N_("Lesson"), N_("Exercise"), N_("Kind"), N_("Points"), N_("Solution cell(s)"), N_("Check cell")],
                   translate)
    total = 0.0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for ex in exercises(nb, path.name[:2]):
            total += ex.points
            rows.append(
                f"| `{path.stem}` | {ex.number} {ex.title} | {ex.kind} | {_fmt_points(ex.points)} | "
                f"{', '.join(f'`{i}`' for i in ex.solution_ids)} | `{ex.check_id}` |"
            )
    everything = translate(N_("all"))
    rows.append(f"| **{everything}** | | | **{_fmt_points(total)}** | | |")
    return "\n".join(rows)


def lesson_table(paths: list[Path], timings: Path = TIMINGS, translate=str) -> str:
    """A Markdown table of the lessons: title, exercises and points, and the run time last measured."""
    import nbformat

    rows = _header([N_("Lesson"), N_("Title"), N_("Exercises"), N_("Points"), N_("Run time, top to bottom")],
                   translate)
    for path in paths:
        lesson = describe(path, timings)
        exs = exercises(nbformat.read(path, as_version=4), path.name[:2])
        timed = lesson.timed_in(translate)
        took = minutes(lesson.seconds, translate).replace("\u00a0", " ")
        if lesson.seconds is not None:
            timed = translate(N_("{minutes}, {timed}")).format(minutes=took, timed=timed)
        rows.append(
            f"| `{path.name}` | {lesson.title} | {len(exs)} | {_fmt_points(sum(e.points for e in exs))} | {timed} |"
        )
    return "\n".join(rows)


def teacher_guide(paths: list[Path], template: Path = GUIDE, timings: Path = TIMINGS, lang: str = i18n.EN) -> str:
    """``docs/TEACHER.md`` with its generated tables filled in; in ``lang``, from the ``teacher`` catalogue."""
    text = template.read_text(encoding="utf-8")
    for marker in (EXERCISE_TABLE, LESSON_TABLE):
        if marker not in text:
            raise ValueError(f"{template} lacks the marker {marker!r} where the generated table goes")
    if lang != i18n.EN:
        text = i18n.translate_markdown(text, i18n.translator("teacher"))
    t = i18n.words(lang)
    return text.replace(EXERCISE_TABLE, exercise_table(paths, t)).replace(LESSON_TABLE, lesson_table(paths, timings, t))


def build(notebooks: Path = NOTEBOOKS, out: Path = OUT, only: list[str] | None = None, log=print) -> list[Path]:
    """Write the student copies and ``TEACHER.md`` to ``out``; return the notebooks written."""
    paths = lessons(notebooks)
    if not paths:
        raise FileNotFoundError(f"no lessons NN_*.ipynb in {notebooks}")
    picked = chosen(paths, only)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in picked:
        make_student_copy(path, out / path.name)
        written.append(out / path.name)
        log(f"  {path.name}: {len(exercises(_read(path), path.name[:2]))} exercise(s)")
    (out / "TEACHER.md").write_text(teacher_guide(paths), encoding="utf-8")
    log(f"Wrote {len(written)} student notebook(s) and TEACHER.md to {_shown(out)}")
    return written


def _read(path: Path):
    import nbformat

    return nbformat.read(path, as_version=4)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ----------------------------------------------------------------------------------------------------------------
# Grading without nbgrader


@dataclass
class CheckResult:
    exercise: str
    title: str
    points: float
    earned: float
    message: str  # the first line of the check's output: "✓ Correct: …" or the error's message


def restore_checks(nb, instructor) -> int:
    """Put the instructor's task and check cells (hidden tests included) back into a student's notebook, matched by
    nbgrader grade_id, as ``nbgrader autograde`` does; return how many were restored.

    So an edited check cannot earn points, and the hidden tests run. Raises ValueError if a check cell is missing.
    """
    originals = {
        c.metadata["nbgrader"]["grade_id"]: c
        for c in instructor.cells
        if part(c) in ("task", "check") and "nbgrader" in c.metadata
    }
    restored = 0
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in originals:
            cell.source = originals[grade_id].source
            restored += 1
    found = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb.cells}
    missing = sorted(g for g, c in originals.items() if part(c) == "check" and g not in found)
    if missing:
        raise ValueError(f"check cell(s) {', '.join(missing)} were deleted from the notebook")
    return restored


def check_results(nb, lesson: str) -> list[CheckResult]:
    """Points per exercise of an executed notebook: a check cell without an error output earns its points."""
    titles = {ex.check_id: ex for ex in exercises(nb, lesson)}
    results = []
    for cell in nb.cells:
        if part(cell) != "check":
            continue
        ex = titles[cell.metadata["nbgrader"]["grade_id"]]
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if errors:
            message = f"{errors[0].ename}: {errors[0].evalue}"
        elif cell.get("execution_count") is None:
            message = "not run"
        else:
            text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")
            message = text.strip().splitlines()[0] if text.strip() else "ran without error"
        ok = not errors and cell.get("execution_count") is not None
        results.append(CheckResult(ex.number, ex.title, ex.points, ex.points if ok else 0.0, message))
    return results


def grade(paths: list[Path], notebooks: Path = NOTEBOOKS, timeout: int = 600, log=print) -> float:
    """Execute completed student notebooks and print their points per exercise; return the total earned.

    Each notebook's task and check cells are first restored from the instructor notebook of the same lesson (the
    ``NN_`` prefix of its name), hidden tests included; the student's file is not modified.
    """
    import nbformat

    instructors = {p.name[:2]: p for p in lessons(notebooks)}
    total = earned = 0.0
    for path in paths:
        lesson = path.name[:2]
        if lesson not in instructors:
            raise ValueError(f"{path.name}: no lesson {lesson!r} in {notebooks} (name the file NN_….ipynb)")
        nb = nbformat.read(path, as_version=4)
        restore_checks(nb, nbformat.read(instructors[lesson], as_version=4))
        start = time.perf_counter()
        results = check_results(execute(path, timeout=timeout, allow_errors=True, nb=nb), lesson)
        log(f"{path.name} ({time.perf_counter() - start:.0f} s)")
        for r in results:
            log(f"  {r.exercise} {r.title}: {_fmt_points(r.earned)}/{_fmt_points(r.points)}  {r.message[:160]}")
            total, earned = total + r.points, earned + r.earned
    log(f"Total: {_fmt_points(earned)}/{_fmt_points(total)} points")
    return earned


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aelib student", description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="lesson numbers to copy (default: all), e.g. 02 04")
    parser.add_argument("--notebooks", type=Path, default=NOTEBOOKS, help="the instructor notebooks (notebooks/)")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write (default: build/student/)")
    parser.add_argument(
        "--grade",
        nargs="+",
        type=Path,
        metavar="NOTEBOOK",
        help="instead: run completed student notebooks and print their points per exercise",
    )
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell when grading (default: 600)")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # silences a debugger warning of the kernel
    if args.grade:
        grade(args.grade, args.notebooks, timeout=args.timeout)
        return 0
    build(args.notebooks, args.out, args.only or None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
