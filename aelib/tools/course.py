"""Execute the lessons in order, then build the course's site: ``python -m aelib course [--inplace]`` (``make course``).

Each ``notebooks/NN_*.ipynb`` is run top to bottom in a fresh kernel (the same way nbval re-runs it), timed and
written as an executed copy to ``build/executed/``, with the run times in ``build/executed/timings.json``. Then the
site is built into ``build/course/`` (``aelib.tools.book``) from those executed copies, the outputs just produced, never
a second execution; a lesson not run this time shows its stored outputs. ``--inplace`` also writes the outputs back
into ``notebooks/`` (that is how the stored outputs nbval compares are refreshed).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from aelib.tools import book
from aelib.tools.lessons import NOTEBOOKS, TIMINGS, chosen, execute, numbered, title_and_summary

EXECUTED = TIMINGS.parent


@dataclass
class LessonRun:
    file: str
    title: str
    summary: str
    seconds: float


def run_course(
    notebooks: Path,
    executed: Path = EXECUTED,
    inplace: bool = False,
    only: list[str] | None = None,
    site: Path | None = book.OUT,
    log=print,
) -> list[LessonRun]:
    """Execute and time every lesson (or those whose number is in ``only``), then build the site into ``site``
    (None: no site); return the runs. The run times are saved as ``executed/timings.json``, merged with earlier runs
    of the other lessons."""
    import nbformat

    found = chosen(numbered(notebooks), only)
    if not found:
        log(f"No lessons found in {notebooks}/ (expected files named NN_name.ipynb); nothing to run.")
        return []
    executed.mkdir(parents=True, exist_ok=True)
    runs = []
    for path in found:
        log(f"executing {path.name} …")
        start = time.perf_counter()
        nb = execute(path)
        seconds = time.perf_counter() - start
        title, summary = title_and_summary(nb)
        runs.append(LessonRun(path.name, title, summary, seconds))
        nbformat.write(nb, executed / path.name)
        if inplace:
            nbformat.write(nb, path)
        log(f"  {path.name}: {seconds:.1f} s")
    timings = executed / TIMINGS.name
    earlier = {r["file"]: LessonRun(**r) for r in json.loads(timings.read_text())} if timings.exists() else {}
    merged = {**earlier, **{r.file: r for r in runs}}
    merged = [merged[p.name] for p in numbered(notebooks) if p.name in merged]
    timings.write_text(json.dumps([asdict(r) for r in merged], indent=1) + "\n")
    log(f"Executed {len(runs)} lesson(s) in {sum(r.seconds for r in runs):.0f} s")
    if site is not None:
        ran = {r.file for r in runs}
        pages = [executed / p.name if p.name in ran else p for p in numbered(notebooks)]
        book.build(pages, out=site, sources=notebooks, timings=timings, log=log)
    return runs


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m aelib course", description=__doc__.splitlines()[0])
    p.add_argument("--notebooks", type=Path, default=NOTEBOOKS)
    p.add_argument("--executed", type=Path, default=EXECUTED, help="where the executed copies go")
    p.add_argument("--site", type=Path, default=book.OUT, help="where the site goes")
    p.add_argument("--no-site", action="store_true", help="execute only")
    p.add_argument("--inplace", action="store_true", help="also store the outputs back into notebooks/")
    p.add_argument("only", nargs="*", help="lesson numbers to run (default: all), e.g. 01 04")
    args = p.parse_args(argv)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # silences a debugger warning on stderr
    try:
        run_course(args.notebooks, args.executed, args.inplace, args.only, None if args.no_site else args.site)
    except book.BookError as err:
        print(err)
        return 1
    return 0
