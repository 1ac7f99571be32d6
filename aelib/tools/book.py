"""The course as a book: a site built with Sphinx, MyST-NB and sphinx-book-theme (``make docs``; ``make course``).

``build()`` writes a Sphinx source folder from the lessons and the docs, then builds it into ``build/course/``:

- ``index`` — the landing page: README.md itself, its lesson table (between ``<!-- lessons -->`` markers) shown as
  one with each lesson's thumbnail;
- ``lessons/NN_*`` — one page per lesson, the notebook itself rendered by MyST-NB with its outputs (never executed:
  ``nb_execution_mode = "off"``), a header with its run time and two downloads (the notebook with its outputs, and
  the student copy made by ``aelib.tools.student``), and a note above each explorer that its sliders need a kernel;
- ``teacher`` — the teacher guide (``docs/TEACHER.md`` with its generated tables, as ``make student`` writes it);
- ``docs/*`` — every other page of ``docs/`` as it is (architecture, testing, results, decisions, …).

The text comes from those files, never a copy of them, so the site cannot drift from the course. README's lesson
table is itself generated from the notebooks (:func:`readme_lessons`; ``python -m aelib book readme`` rewrites it,
a test checks it). ``make course`` gives the notebooks it has just executed; ``make docs`` the stored outputs in
``notebooks/``, which takes seconds. The site is built in a temporary folder and swapped in whole, so a failed build
leaves the previous site as it was.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import tempfile
from pathlib import Path

from aelib.data import write_atomic
from aelib.tools import vendor
from aelib.tools.lessons import NOTEBOOKS, REPO, TIMINGS, Lesson, describe, minutes, numbered

CONF = REPO / "docs" / "book"
OUT = REPO / "build" / "course"
README = REPO / "README.md"
DOCS = REPO / "docs"
LESSONS_BLOCK = re.compile(r"<!-- lessons -->\n.*?<!-- /lessons -->", flags=re.S)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
NO_TIMINGS = REPO / "build" / ".no-timings"  # README's table: the stored runs, never this machine's
THUMB_WIDTH = 320  # pixels: the landing page shows them at 160


class BookError(RuntimeError):
    """The site could not be built; the message says what was wrong (Sphinx's warnings included)."""


def thumbnail(nb, width: int = THUMB_WIDTH) -> bytes | None:
    """A small PNG of the lesson's figure: the cell tagged ``thumbnail``, else its first PNG output."""
    from PIL import Image

    cells = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in cells if "thumbnail" in c.get("metadata", {}).get("tags", [])]
    for cell in tagged + cells:  # the tagged first
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                image = Image.open(io.BytesIO(base64.b64decode(png))).convert("RGB")
                image.thumbnail((width, width * 3 // 4))
                buffer = io.BytesIO()
                image.save(buffer, format="PNG", optimize=True)
                return buffer.getvalue()
    return None


def site_links(markdown: str, up: str = "") -> str:
    """Links of README and docs/ as the site needs them: a lesson's notebook becomes its page, a page of docs/ stays
    a link to its page; a link to another repository file (which the site does not carry) or to a heading becomes
    its text. ``up``: the way from the page to the site's root (``"../"`` from a page of docs/)."""

    def fix(match: re.Match) -> str:
        text, target = match.group(1), match.group(2)
        if re.match(r"[a-z]+://|#|mailto:", target):
            return match.group(0) if not target.startswith("#") else text
        lesson = re.fullmatch(r"(?:\.\./)?notebooks/(\d\d_\w+)\.ipynb", target)  # from README or docs/
        if lesson:
            return f"[{text}]({up}lessons/{lesson.group(1)}.ipynb)"
        page = re.fullmatch(r"(?:docs/)?(\w+)\.md", target)
        if page and page.group(1) != "TEACHER" and (DOCS / f"{page.group(1)}.md").is_file():
            return f"[{text}]({'docs/' if not up else ''}{page.group(1)}.md)"
        return f"[{text}]({up}teacher.md)" if page else text

    return re.sub(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)", fix, markdown)


# ----------------------------------------------------------------------------------------------------------------
# The pages


def readme_lessons(lessons: list[Lesson]) -> str:
    """README's lesson table, made from the notebooks: title, one-line summary and run time of each lesson (its
    stored run), the total, and the CPUs those runs were timed on. ``python -m aelib book readme`` writes it."""
    rows = ["| lesson | what you learn | time |", "|---|---|---|"]
    for lesson in lessons:
        seconds = f"{lesson.seconds:.0f} s" if lesson.seconds is not None else "not yet run"
        rows.append(f"| [{lesson.title}](notebooks/{lesson.path.name}) | {lesson.summary} | {seconds} |")
    known = [lesson.seconds for lesson in lessons if lesson.seconds is not None]
    rows.append(f"| all {len(lessons)}, top to bottom | | {minutes(sum(known))} |")
    cpus: dict[str, list[str]] = {}
    for lesson in lessons:
        cpus.setdefault(lesson.cpu or "a CPU not recorded", []).append(lesson.number)
    where = "; ".join(f"{', '.join(numbers)} on {cpu}" for cpu, numbers in cpus.items())
    note = (f"Each time is the lesson's stored run (the outputs in `notebooks/`), top to bottom in a fresh kernel on a "
            f"quiet 2-core machine: {where}.")
    return "\n".join(rows) + "\n\n" + note


def _readme_with(block: str, readme: Path = README) -> str:
    """README's text with ``block`` in place of its lesson table (between the ``<!-- lessons -->`` markers)."""
    text = readme.read_text(encoding="utf-8")
    if not LESSONS_BLOCK.search(text):
        raise BookError(f"{readme} has no '<!-- lessons -->' … '<!-- /lessons -->' block, where its lesson table goes")
    return LESSONS_BLOCK.sub(lambda _: block, text)


def readme_with_lessons(lessons: list[Lesson], readme: Path = README) -> str:
    """README's text with its lesson table made afresh from the notebooks."""
    return _readme_with(f"<!-- lessons -->\n{readme_lessons(lessons)}\n<!-- /lessons -->", readme)


def landing_page(lessons: list[Lesson], widgets: bool, thumbs: dict[str, bool]) -> str:
    """``index.md``: README.md, with its lesson table shown as one with thumbnails, and the site's contents."""
    rows = []
    for lesson in lessons:
        thumb = f"![{lesson.title}](thumbs/{lesson.number}.png)" if thumbs.get(lesson.number) else ""
        rows.append(
            f"* - {thumb}\n"
            f"  - **{{doc}}`{lesson.title} <lessons/{lesson.path.stem}>`**\n\n"
            f"    {lesson.summary}\n"
            f"  - {minutes(lesson.seconds)}\n"
        )
    known = [lesson.seconds for lesson in lessons if lesson.seconds is not None]
    total = (
        f"All {len(lessons)} take {minutes(sum(known))} top to bottom"
        if len(known) == len(lessons)
        else f"The {len(known)} measured take {minutes(sum(known))} top to bottom"
    )
    widget_note = (
        "Explorers and progress bars are drawn from the state saved with each notebook"
        if widgets
        else "Widgets (progress bars, explorers) are shown as text: this site was built without ipywidgets' "
        "embed manager (`python -m aelib book fetch` downloads it once)"
    )
    table = f"""```{{list-table}}
:header-rows: 1
:class: aelib-lessons
:widths: 22 63 15

* - Figure
  - Lesson
  - Run time
{"".join(rows)}```

{total}, on a 2-core CPU with no GPU: this machine's `make course` where it ran the lesson, else the run its
stored outputs come from (each lesson's page says which). Each page has its notebook to download, with the outputs
it shows, and its student copy (exercises blank, no outputs) for a class. {widget_note}; moving a slider needs a
running kernel: `make lab`."""
    pages = "\n".join(f"docs/{path.stem}" for path in docs_pages())
    return f"""{site_links(_readme_with(table))}

```{{toctree}}
:hidden:
:caption: Lessons

{chr(10).join(f"lessons/{lesson.path.stem}" for lesson in lessons)}
```

```{{toctree}}
:hidden:
:caption: The course

teacher
{pages}
```
"""


def docs_pages() -> list[Path]:
    """The pages of docs/ the site shows as they are (the teacher guide is made by aelib.tools.student)."""
    return sorted(path for path in DOCS.glob("*.md") if path.name != "TEACHER.md")


def lesson_header(lesson: Lesson, explorers: bool) -> str:
    """The Markdown cell put under a lesson's title on its page."""
    lines = [
        "```{admonition} This page",
        ":class: tip",
        f"The notebook as it ran top to bottom in {minutes(lesson.seconds)} ({lesson.timed}), outputs included.",
        f"Download {{download}}`the notebook <../files/notebooks/{lesson.path.name}>` or "
        f"{{download}}`the student copy <../files/student/{lesson.path.name}>` (exercises blank, no outputs). "
        f"To run it: `make lab`, then open `notebooks/{lesson.path.name}`.",
    ]
    if explorers:
        lines.append("Its explorers are drawn as they were saved: moving a slider needs a running kernel (`make lab`).")
    return "\n".join([*lines, "```"])


EXPLORER_NOTE = (
    "```{note}\nThe explorer below is drawn from its saved state: its pictures change with the sliders only in a "
    "running kernel (`make lab`).\n```"
)


def explorer_models(nb) -> set[str]:
    """Ids of the widget models that are aelib explorers (their box carries an ``aelib-…`` class)."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return {
        model_id
        for model_id, model in state.items()
        if any(str(c).startswith("aelib-") for c in model.get("state", {}).get("_dom_classes", []))
    }


def page_notebook(lesson: Lesson, widgets: bool):
    """The notebook as its page shows it: the header under the title, a note above each explorer; without the
    widget manager, widget views fall back to their text."""
    import nbformat

    nb = nbformat.read(lesson.path, as_version=4)
    explorers = explorer_models(nb)
    cells = []
    for cell in nb.cells:
        views = [
            o["data"][WIDGET_VIEW].get("model_id")
            for o in cell.get("outputs", [])
            if WIDGET_VIEW in o.get("data", {})
        ]
        if cell.cell_type == "code" and explorers.intersection(views):
            cells.append(nbformat.v4.new_markdown_cell(EXPLORER_NOTE))
        if not widgets:
            for output in cell.get("outputs", []):
                output.get("data", {}).pop(WIDGET_VIEW, None)
        cells.append(cell)
        if len(cells) == 1 and cell.cell_type == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(lesson_header(lesson, bool(explorers))))
    if not widgets:
        nb.metadata.pop("widgets", None)
    nb.cells = cells
    return nb


def copy_images(nb, pages: Path, sources: Path = NOTEBOOKS) -> None:
    """Copy the images a lesson's Markdown shows (paths relative to its folder, ``sources``) to the same place
    relative to its page in ``pages/``, so that the page finds them as Jupyter does."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", cell.source):
            if re.match(r"[a-z]+:", target):
                continue
            source = (sources / target).resolve()
            if not source.is_file():
                raise BookError(f"a lesson shows the image {target!r}, which is not a file next to {sources}")
            copy = (pages / target).resolve()
            if pages.resolve().parent not in copy.parents:
                raise BookError(f"a lesson shows the image {target!r}, which lies outside the site's folder")
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, copy)


def teacher_page(lesson_paths: list[Path], timings: Path) -> str:
    from aelib.tools.student import teacher_guide

    text = teacher_guide(lesson_paths, timings=timings)
    return site_links(re.sub(r"<!--.*?-->\n*", "", text, flags=re.S))  # drops the "this file is the source" comment


# ----------------------------------------------------------------------------------------------------------------
# Sources and build


def write_sources(
    src: Path, notebooks: list[Path], sources: Path = NOTEBOOKS, timings: Path = TIMINGS, widget_js: Path | None = None
) -> list[Lesson]:
    """Write the Sphinx source folder ``src`` for these lesson notebooks; return the lessons as listed.

    ``sources``: the lessons' own folder (the instructor notebooks, which the student copies are made from, and the
    folder their images are relative to); a notebook given from elsewhere (an executed copy) is matched by name.
    """
    import nbformat

    from aelib.tools.student import make_student_copy

    shutil.copytree(CONF, src, dirs_exist_ok=True)
    widgets = widget_js is not None
    if widgets:
        shutil.copytree(widget_js, src / "_static" / "widgets", dirs_exist_ok=True)
    lessons = [describe(path, timings) for path in notebooks]
    for sub in ("lessons", "thumbs", "files/notebooks", "files/student"):
        (src / sub).mkdir(parents=True, exist_ok=True)
    thumbs = {}
    for lesson in lessons:
        name = lesson.path.name
        instructor = sources / name if (sources / name).is_file() else lesson.path
        shutil.copy(lesson.path, src / "files" / "notebooks" / name)
        make_student_copy(instructor, src / "files" / "student" / name)
        nb = page_notebook(lesson, widgets)
        nbformat.write(nb, src / "lessons" / name)
        copy_images(nb, src / "lessons", instructor.parent)
        thumb = thumbnail(nb)
        if thumb:
            (src / "thumbs" / f"{lesson.number}.png").write_bytes(thumb)
        thumbs[lesson.number] = thumb is not None
    (src / "index.md").write_text(landing_page(lessons, widgets, thumbs), encoding="utf-8")
    (src / "teacher.md").write_text(teacher_page([lesson.path for lesson in lessons], timings), encoding="utf-8")
    (src / "docs").mkdir(exist_ok=True)
    for page in docs_pages():
        (src / "docs" / page.name).write_text(site_links(page.read_text(encoding="utf-8"), up="../"), encoding="utf-8")
    for folder in DOCS.iterdir():  # the images the pages show (docs/book is the site's own settings)
        if folder.is_dir() and folder.name != "book":
            shutil.copytree(folder, src / "docs" / folder.name, dirs_exist_ok=True)
    return lessons


def build(
    notebooks: list[Path] | None = None,
    out: Path = OUT,
    sources: Path = NOTEBOOKS,
    timings: Path = TIMINGS,
    widget_js: Path | None | bool = True,
    log=print,
) -> list[Lesson]:
    """Build the site into ``out`` (``out/index.html``) from these lesson notebooks (default: the stored ones).

    ``widget_js``: the unpacked widget manager (``aelib.tools.vendor``), True for the cached one if there is one, or
    None/False to show widgets as text. Raises BookError with Sphinx's warnings if there are any (a broken
    reference, a page Sphinx cannot read): the previous site in ``out`` is then left as it was.
    """
    from sphinx.cmd.build import build_main

    notebooks = notebooks if notebooks is not None else numbered(sources)
    if not notebooks:
        raise BookError(f"no lessons NN_*.ipynb in {sources}: nothing to build")
    if widget_js is True:
        widget_js = vendor.available()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.") as tmp:
        work = Path(tmp)
        lessons = write_sources(work / "src", notebooks, sources, timings, widget_js or None)
        warnings = work / "warnings.txt"
        args = ["-b", "html", "-q", "-W", "--keep-going", "-w", str(warnings), "-d", str(work / "doctrees")]
        code = build_main([*args, str(work / "src"), str(work / "html")])
        said = warnings.read_text(encoding="utf-8").strip() if warnings.exists() else ""
        if code != 0:
            raise BookError(f"Sphinx could not build the site (exit code {code}):\n{said}")
        old = work / "previous"
        if out.exists():
            out.replace(old)  # inside the temporary folder: removed with it
        (work / "html").replace(out)
    how = "" if widget_js else ", widgets as text"
    log(f"Built the course's site ({len(lessons)} lessons{how}): open {out / 'index.html'}")
    return lessons


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(
        prog="python -m aelib book",
        description="Build the course's site into build/course/ from the stored outputs in notebooks/ (make docs); "
        "`fetch` downloads the widget manager its pages use, once.",
    )
    p.add_argument("action", nargs="?", choices=["build", "fetch", "readme"], default="build",
                   help="build the site (default); fetch the widget manager; readme: rewrite README's lesson table")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    if args.action == "readme":
        lessons = [describe(path, NO_TIMINGS) for path in numbered(NOTEBOOKS)]
        write_atomic(README, readme_with_lessons(lessons).encode("utf-8"))
        print(f"wrote the lesson table of {README}")
        return 0
    if args.action == "fetch":
        try:
            print(f"widget manager: {vendor.fetch()}")
        except vendor.VendorError as err:
            print(f"note: {err}")
        return 0
    try:
        build(out=args.out)
    except BookError as err:
        print(err)
        return 1
    return 0
