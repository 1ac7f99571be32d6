"""What the lessons are, read from their notebooks: files, titles, one-line summaries, run times; and how one runs.

Shared by the course runner (``course.py``), the site (``book.py``) and the teacher guide (``student.py``), so the
three always list the same lessons with the same words. A lesson is ``notebooks/NN_name.ipynb``; its title is its
first Markdown heading and its summary the first sentence after it. Its run time is this machine's last ``make
course`` (``build/executed/timings.json``) when there is one, else the span of the stored outputs' own per-cell
timestamps (which nbclient records when it executes a notebook). :func:`execute` is the one way the course runs a
notebook outside nbval: the course runner and the grading of student notebooks both use it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]  # the repository: aelib/tools/lessons.py → ../../..
NOTEBOOKS = REPO / "notebooks"
TIMINGS = REPO / "build" / "executed" / "timings.json"


def N_(text: str) -> str:  # noqa: N802 (gettext's name for a marker that only marks)
    """Mark ``text`` as words of the site, which the ``site`` catalogue translates (``aelib.tools.i18n``)."""
    return text


def numbered(folder: Path = NOTEBOOKS) -> list[Path]:
    """The numbered lessons ``NN_*.ipynb`` in ``folder``, in order."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def chosen(paths: list[Path], only: list[str] | None) -> list[Path]:
    """The lessons whose number is in ``only`` ("2", "02", "02_dense…"), or all of them."""
    return [p for p in paths if not only or p.name[:2] in {o.zfill(2)[:2] for o in only}]


def title_and_summary(nb) -> tuple[str, str]:
    """The first markdown heading, and the first sentence of prose after it (the lesson's one-line summary)."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
        if lines and lines[0].startswith("#"):
            title = lines[0].lstrip("#").strip()
            prose = " ".join(line for line in lines[1:] if not line.startswith(("#", "|", "-", "*", ">")))
            summary = re.split(r"(?<=[.!?])\s|(?<=[。！？])", prose, maxsplit=1)[0] if prose else ""
            return title, summary
    return "(untitled)", ""


def stored_seconds(nb) -> tuple[float, str] | None:
    """How long the stored run took, first cell's start to last cell's reply (nbclient's per-cell timestamps), and
    its date as ``YYYY-MM-DD``; None when the notebook carries no timestamps."""
    stamps = []
    for cell in nb.cells:
        execution = cell.get("metadata", {}).get("execution", {})
        for key in ("iopub.execute_input", "shell.execute_reply"):
            if key in execution:
                stamps.append(datetime.fromisoformat(execution[key].replace("Z", "+00:00")))
    if len(stamps) < 2:
        return None
    return (max(stamps) - min(stamps)).total_seconds(), min(stamps).date().isoformat()


def measured_here(timings: Path = TIMINGS) -> dict[str, float]:
    """``make course``'s last run time on this machine, in seconds, by lesson file name."""
    if not timings.is_file():
        return {}
    return {r["file"]: r["seconds"] for r in json.loads(timings.read_text(encoding="utf-8"))}


@dataclass(frozen=True)
class Lesson:
    """One lesson as the landing page and the teacher guide list it."""

    path: Path  # the notebook read (its outputs are the ones a page shows)
    title: str
    summary: str  # Markdown, one sentence
    seconds: float | None  # top to bottom in a fresh kernel; None when never measured
    run: str  # which run that time is of, in words with {date} and {cpu} (one of the RUN_* below)
    date: str | None = None  # of the stored run, YYYY-MM-DD
    cpu: str | None = None  # the CPU of the stored run, when the notebook records it

    @property
    def number(self) -> str:  # "02"
        return self.path.name[:2]

    @property
    def timed(self) -> str:
        """Which run the time is of: "this machine's `make course`", "the stored run of 2026-12-01 on …"."""
        return self.timed_in(str)

    def timed_in(self, translate) -> str:
        return translate(self.run).format(date=self.date, cpu=self.cpu)


RUN_HERE = N_("this machine's `make course`")
RUN_STORED = N_("the stored run of {date}")
RUN_STORED_ON = N_("the stored run of {date} on {cpu}")
RUN_NONE = N_("no run yet: `make course` measures it")


def describe(path: Path, timings: Path = TIMINGS) -> Lesson:
    """A lesson's title, summary and run time: this machine's ``make course`` if it ran it, else the stored run's."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    title, summary = title_and_summary(nb)
    here = measured_here(timings).get(path.name)
    if here is not None:
        return Lesson(path, title, summary, here, RUN_HERE)
    stored = stored_seconds(nb)
    if stored:
        cpu = nb.metadata.get("aelib", {}).get("cpu")
        return Lesson(path, title, summary, stored[0], RUN_STORED_ON if cpu else RUN_STORED, stored[1], cpu)
    return Lesson(path, title, summary, None, RUN_NONE)


def minutes(seconds: float | None, translate=str) -> str:
    """A run time as the pages print it: "0.7 min" (a no-break space, so a table cell never splits it), in the words
    of ``translate`` (the site's, ``aelib.tools.i18n.words``)."""
    if seconds is None:
        return translate(N_("not measured"))
    return translate(N_("{minutes} min")).format(minutes=f"{seconds / 60:.1f}").replace(" ", "\u00a0")


def cpu_name() -> str:
    """This machine's CPU as ``lscpu`` names it, with its family and model: "AMD EPYC (family 25, model 17)"."""
    try:
        info = dict(
            line.split(":", 1) for line in Path("/proc/cpuinfo").read_text().splitlines()[:40] if ":" in line
        )
        info = {k.strip(): v.strip() for k, v in info.items()}
        return f"{info['model name']} (family {info['cpu family']}, model {info['model']})"
    except (OSError, KeyError):
        import platform

        return platform.processor() or platform.machine() or "an unknown CPU"


def execute(path: Path, timeout: int = 600, allow_errors: bool = False, nb=None):
    """Run a notebook top to bottom in a fresh ``python3`` kernel, working directory = the folder of ``path``;
    return it executed (nbclient records each cell's outputs and timestamps in it).

    ``nb``: run this notebook object instead of the file's content (``path`` then only sets the folder).
    ``allow_errors``: go on past a failing cell (grading) instead of raising at the first one.
    The kernel gets CurveZMQ keys from its manager (jupyter_client's ``transport_encryption="auto"``, for kernels
    whose kernelspec declares support, as ipykernel's does): its messages are encrypted, so ipykernel has no
    reason to warn that the kernel talks over TCP in plain text.
    """
    import nbformat
    from nbclient import NotebookClient
    from traitlets.config import Config

    config = Config()
    config.KernelManager.transport_encryption = "auto"
    nb = nbformat.read(path, as_version=4) if nb is None else nb
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(path.parent)}},
        config=config,
    )
    client.execute()
    nb.metadata["aelib"] = {"cpu": cpu_name()}  # what the stored run times were measured on
    return nb
