"""Execute the lessons in order and render them: ``python -m aelib course [--inplace]``.

Each ``notebooks/NN_*.ipynb`` is run top to bottom in a fresh kernel (the same way nbval re-runs it), timed,
written as an executed copy and rendered to HTML under ``build/course/``, with an ``index.html`` that lists each
lesson's title, one-line summary and run time. ``--inplace`` also writes the outputs back into ``notebooks/``
(that is how the stored outputs nbval compares are refreshed).
"""

from __future__ import annotations

import html
import json
import os
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class LessonRun:
    file: str
    title: str
    summary: str
    seconds: float


def lessons(folder: Path) -> list[Path]:
    """The numbered lessons ``NN_*.ipynb`` in order."""
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def title_and_summary(nb) -> tuple[str, str]:
    """The first markdown heading, and the first sentence of prose after it (the lesson's one-line summary)."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
        if lines and lines[0].startswith("#"):
            title = lines[0].lstrip("#").strip()
            prose = " ".join(line for line in lines[1:] if not line.startswith(("#", "|", "-", "*", ">")))
            summary = re.split(r"(?<=[.!?])\s", prose, maxsplit=1)[0] if prose else ""
            return title, summary
    return "(untitled)", ""


def execute(path: Path, timeout: int = 600):
    """Run a notebook top to bottom in a fresh kernel, working directory = its folder; return it executed."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    return nb


def render(nb, out: Path) -> None:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nb)
    out.write_text(body, encoding="utf-8")


def write_index(runs: list[LessonRun], out: Path) -> None:
    rows = "\n".join(
        f'<tr><td><a href="{html.escape(Path(r.file).stem)}.html">{html.escape(r.title)}</a></td>'
        f"<td>{html.escape(r.summary)}</td><td>{r.seconds:.0f} s</td></tr>"
        for r in runs
    )
    total = sum(r.seconds for r in runs)
    out.write_text(
        "<!doctype html><meta charset='utf-8'><title>aelib — autoencoders in PyTorch</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td{padding:.3em .8em;"
        "vertical-align:top}</style><h1>Autoencoders in PyTorch — the aelib course</h1>"
        f"<table><tr><th>Lesson</th><th>What it teaches</th><th>Run time</th></tr>{rows}</table>"
        f"<p>Executed top to bottom on this machine in {total:.0f} s in all.</p>",
        encoding="utf-8",
    )


def run_course(
    notebooks: Path, build: Path, inplace: bool = False, only: list[str] | None = None, log=print
) -> list[LessonRun]:
    """Execute, time and render every lesson (or those whose number is in ``only``); return the runs.

    The runs are also saved as ``timings.json`` (merged with earlier runs of the other lessons).
    """
    import nbformat

    found = [p for p in lessons(notebooks) if not only or p.name[:2] in {o.zfill(2)[:2] for o in only}]
    if not found:
        log(f"No lessons found in {notebooks}/ (expected files named NN_name.ipynb); nothing to render.")
        return []
    build.mkdir(parents=True, exist_ok=True)
    runs = []
    for path in found:
        log(f"executing {path.name} …")
        start = time.perf_counter()
        nb = execute(path)
        seconds = time.perf_counter() - start
        title, summary = title_and_summary(nb)
        runs.append(LessonRun(path.name, title, summary, seconds))
        nbformat.write(nb, build / path.name)
        render(nb, build / f"{path.stem}.html")
        if inplace:
            nbformat.write(nb, path)
        log(f"  {path.name}: {seconds:.1f} s")
    timings = build / "timings.json"
    earlier = {r["file"]: LessonRun(**r) for r in json.loads(timings.read_text())} if timings.exists() else {}
    merged = {**earlier, **{r.file: r for r in runs}}
    merged = [merged[p.name] for p in lessons(notebooks) if p.name in merged]
    write_index(merged, build / "index.html")
    timings.write_text(json.dumps([asdict(r) for r in merged], indent=1) + "\n")
    total = sum(r.seconds for r in runs)
    log(f"Rendered {len(runs)} lesson(s) in {total:.0f} s: open {build / 'index.html'}")
    return runs


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m aelib course", description=__doc__.splitlines()[0])
    p.add_argument("--notebooks", type=Path, default=REPO / "notebooks")
    p.add_argument("--build", type=Path, default=REPO / "build" / "course")
    p.add_argument("--inplace", action="store_true", help="also store the outputs back into notebooks/")
    p.add_argument("only", nargs="*", help="lesson numbers to run (default: all), e.g. 01 04")
    args = p.parse_args(argv)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # silences a debugger warning on stderr
    run_course(args.notebooks, args.build, args.inplace, args.only)
    return 0
