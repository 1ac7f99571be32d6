"""The pages of the course's site, as Markdown for Sphinx and MyST-NB, in English or Chinese (``aelib.tools.book``
builds them).

- the landing page: README.md itself (translated for the Chinese site), its lesson table (between ``<!-- lessons
  -->`` markers) shown as one with each lesson's thumbnail, and the site's contents;
- a lesson page: the notebook with a header under its title (run time, downloads, how to run it) and a note above
  each explorer that its sliders need a kernel;
- the teacher guide (``docs/TEACHER.md`` with its generated tables), the glossary (``locale/glossary.csv``), and the
  links of README and ``docs/`` as the site needs them.

README's lesson table is also made here from the notebooks (:func:`readme_lessons`; ``python -m aelib book readme``
rewrites it, a test checks it). The site's own words are marked ``N_`` and translated by the ``site`` catalogue.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
from pathlib import Path

from aelib.tools import i18n
from aelib.tools.lessons import N_, NOTEBOOKS, REPO, Lesson, minutes

README = REPO / "README.md"
DOCS = REPO / "docs"
LESSONS_BLOCK = re.compile(r"<!-- lessons -->\n.*?<!-- /lessons -->", flags=re.S)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
THUMB_WIDTH = 320  # pixels: the landing page shows them at 160
EN, ZH, words = i18n.EN, i18n.LANG, i18n.words
LANGUAGES = {EN: ("English", ""), ZH: ("中文", "zh")}  # name, and the edition's folder in the site


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


def _readme_with(block: str, readme: Path = README, lang: str = EN) -> str:
    """README's text (translated into ``lang``) with ``block`` in place of its lesson table (between the ``<!--
    lessons -->`` markers)."""
    text = readme.read_text(encoding="utf-8")
    if lang != EN:
        text = i18n.translate_markdown(text, i18n.translator("index"))
    if not LESSONS_BLOCK.search(text):
        raise BookError(f"{readme} has no '<!-- lessons -->' … '<!-- /lessons -->' block, where its lesson table goes")
    return LESSONS_BLOCK.sub(lambda _: block, text)


def readme_with_lessons(lessons: list[Lesson], readme: Path = README) -> str:
    """README's text with its lesson table made afresh from the notebooks."""
    return _readme_with(f"<!-- lessons -->\n{readme_lessons(lessons)}\n<!-- /lessons -->", readme)


def landing_page(lessons: list[Lesson], widgets: bool, thumbs: dict[str, bool], lang: str = EN) -> str:
    """``index.md``: README.md, with its lesson table shown as one with thumbnails, and the site's contents."""
    t = words(lang)
    rows = []
    for lesson in lessons:
        thumb = f"![{lesson.title}](thumbs/{lesson.number}.png)" if thumbs.get(lesson.number) else ""
        rows.append(
            f"* - {thumb}\n"
            f"  - **{{doc}}`{lesson.title} <lessons/{lesson.path.stem}>`**\n\n"
            f"    {lesson.summary}\n"
            f"  - {minutes(lesson.seconds, t)}\n"
        )
    known = [lesson.seconds for lesson in lessons if lesson.seconds is not None]
    total = (
        t(N_("All {n} take {minutes} top to bottom")) if len(known) == len(lessons)
        else t(N_("The {n} measured take {minutes} top to bottom"))
    ).format(n=len(known), minutes=minutes(sum(known), t))
    widget_note = t(
        N_("Explorers and progress bars are drawn from the state saved with each notebook")
        if widgets
        else N_("Widgets (progress bars, explorers) are shown as text: this site was built without ipywidgets' "
                "embed manager (`python -m aelib book fetch` downloads it once)")
    )
    about = t(N_(
        "{total}, on a 2-core CPU with no GPU: this machine's `make course` where it ran the lesson, else the run its "
        "stored outputs come from (each lesson's page says which). Each page has its notebook to download, with the "
        "outputs it shows, and its student copy (exercises blank, no outputs) for a class. {widgets}; moving a slider "
        "needs a running kernel: `{lab}`."
    )).format(total=total, widgets=widget_note, lab=lab_command(lang))
    figure, lesson_, run_time = t(N_("Figure")), t(N_("Lesson")), t(N_("Run time"))
    table = f"""```{{list-table}}
:header-rows: 1
:class: aelib-lessons
:widths: 22 63 15

* - {figure}
  - {lesson_}
  - {run_time}
{"".join(rows)}```

{about}"""
    text = site_links(_readme_with(table, lang=lang))
    if lang != EN:  # under the title: what stays English
        title, rest = text.split("\n", 1)
        english = t(N_("Code, printed outputs, figure labels and exercise feedback stay in English, like the API."))
        text = f"{title}\n\n{english}\n{rest}"
    pages = "\n".join(f"docs/{path.stem}" for path in docs_pages())
    lessons_caption, course_caption = t(N_("Lessons")), t(N_("The course"))
    return f"""{text}

```{{toctree}}
:hidden:
:caption: {lessons_caption}

{chr(10).join(f"lessons/{lesson.path.stem}" for lesson in lessons)}
```

```{{toctree}}
:hidden:
:caption: {course_caption}

teacher
glossary
{pages}
```
"""


def glossary_page(lang: str = EN) -> str:
    """The glossary: each term in English and Chinese, with d2l-zh's usage and a note (``locale/glossary.csv``)."""
    t = words(lang)
    english, note, title = t(N_("English")), t(N_("Note")), t(N_("Glossary"))
    rows = [f"| {english} | 中文 | {note} |", "|---|---|---|"]
    rows += [f"| {term.english} | {term.chinese} | {term.note} |" for term in i18n.glossary()]
    intro = t(N_(
        "The Chinese edition uses one word for each idea, the one in this table; where d2l-zh (《动手学深度学习》) has "
        "a term, it is that one. Code terms stay code, as in the English: `fit`, `encode`, a tensor's shape such as "
        "`(batch, 784)`. The notes are in Chinese, for the readers of that edition."
    ))
    return f"# {title}\n\n{intro}\n\n" + "\n".join(rows) + "\n"


def docs_pages() -> list[Path]:
    """The pages of docs/ the site shows as they are (the teacher guide is made by aelib.tools.student)."""
    return sorted(path for path in DOCS.glob("*.md") if path.name != "TEACHER.md")


def lesson_header(lesson: Lesson, explorers: bool, lang: str = EN) -> str:
    """The Markdown cell put under a lesson's title on its page."""
    t = words(lang)
    name = lesson.path.name
    the_notebook, the_student_copy, this_page = t(N_("the notebook")), t(N_("the student copy")), t(N_("This page"))
    notebook = f"{{download}}`{the_notebook} <../files/notebooks/{name}>`"
    student = f"{{download}}`{the_student_copy} <../files/student/{name}>`"
    folder = "notebooks" if lang == EN else "build/zh/notebooks"
    lines = [
        f"```{{admonition}} {this_page}",
        ":class: tip",
        t(N_("The notebook as it ran top to bottom in {minutes} ({timed}), outputs included.")).format(
            minutes=minutes(lesson.seconds, t), timed=lesson.timed_in(t)),
        t(N_("Download {notebook} or {student} (exercises blank, no outputs).")).format(notebook=notebook,
                                                                                       student=student),
        t(N_("To run it: `{command}`, then open `{path}`.")).format(
            command=lab_command(lang), path=f"{folder}/{name}"),
    ]
    if lang != EN:
        lines.append(t(N_("The English original: {notebook}.")).format(
            notebook=f"{{download}}`{name} <../files/en/{name}>`"))
    if explorers:
        lines.append(t(N_("Its explorers are drawn as they were saved: moving a slider needs a running kernel "
                          "(`{lab}`).")).format(lab=lab_command(lang)))
    return "\n".join([*lines, "```"])


EXPLORER_NOTE = N_("The explorer below is drawn from its saved state: its pictures change with the sliders only in a "
                   "running kernel (`{lab}`).")


def lab_command(lang: str) -> str:
    """The command that opens the lessons of this language in JupyterLab (the Makefile's lab and lab-zh)."""
    return "make lab" if lang == EN else "make lab-zh"


def explorer_models(nb) -> set[str]:
    """Ids of the widget models that are aelib explorers (their box carries an ``aelib-…`` class)."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return {
        model_id
        for model_id, model in state.items()
        if any(str(c).startswith("aelib-") for c in model.get("state", {}).get("_dom_classes", []))
    }


def page_notebook(lesson: Lesson, widgets: bool, lang: str = EN):
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
            note = words(lang)(EXPLORER_NOTE).format(lab=lab_command(lang))
            cells.append(nbformat.v4.new_markdown_cell(f"```{{note}}\n{note}\n```"))
        if not widgets:
            for output in cell.get("outputs", []):
                output.get("data", {}).pop(WIDGET_VIEW, None)
        cells.append(cell)
        if len(cells) == 1 and cell.cell_type == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(lesson_header(lesson, bool(explorers), lang)))
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


def teacher_page(lesson_paths: list[Path], timings: Path, lang: str = EN) -> str:
    from aelib.tools.student import teacher_guide

    text = teacher_guide(lesson_paths, timings=timings, lang=lang)
    return site_links(re.sub(r"<!--.*?-->\n*", "", text, flags=re.S))  # drops the "this file is the source" comment
