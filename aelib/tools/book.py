"""The course as a book: a site built with Sphinx, MyST-NB and sphinx-book-theme (``make docs``; ``make course``).

``build()`` writes a Sphinx source folder from the lessons and the docs, then builds it into ``build/course/``:

- ``index`` — the landing page: README.md itself, its lesson table (between ``<!-- lessons -->`` markers) shown as
  one with each lesson's thumbnail;
- ``lessons/NN_*`` — one page per lesson, the notebook itself rendered by MyST-NB with its outputs (never executed:
  ``nb_execution_mode = "off"``), a header with its run time and two downloads (the notebook with its outputs, and
  the student copy made by ``aelib.tools.student``), and a note above each explorer that its sliders need a kernel;
- ``teacher`` — the teacher guide (``docs/TEACHER.md`` with its generated tables, as ``make student`` writes it);
- ``docs/*`` — every other page of ``docs/`` as it is (architecture, testing, results, decisions, …);
- ``glossary`` — the English–Chinese glossary (``locale/glossary.csv``).

The same book is built in Chinese into ``build/course/zh/`` from the catalogues in ``locale/`` (``aelib.tools.i18n``):
the lessons' Markdown, the landing page, the teacher guide and the site's own words translated, code and outputs as
they are; the pages of ``docs/`` stay in English, with a note that says so. Each page links to itself in the other
language. The Chinese notebooks it shows are written first, to ``build/zh/notebooks/``, for JupyterLab.

The text comes from those files, never a copy of them, so the site cannot drift from the course; the pages are made
by ``aelib.tools.pages``. ``make course`` gives the notebooks it has just executed; ``make docs`` the stored outputs in
``notebooks/``, which takes seconds. The site is built in a temporary folder and swapped in whole, so a failed build
leaves the previous site as it was.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from aelib.data import write_atomic
from aelib.tools import i18n, vendor
from aelib.tools.lessons import N_, NOTEBOOKS, REPO, TIMINGS, Lesson, describe, numbered
from aelib.tools.pages import (
    DOCS,
    EN,
    LANGUAGES,
    README,
    ZH,
    BookError,
    copy_images,
    docs_pages,
    glossary_page,
    landing_page,
    page_notebook,
    readme_with_lessons,
    site_links,
    teacher_page,
    thumbnail,
    words,
)

CONF = REPO / "docs" / "book"
OUT = REPO / "build" / "course"
NO_TIMINGS = REPO / "build" / ".no-timings"  # README's table: the stored runs, never this machine's


def zh_notebooks(out: Path = OUT) -> Path:
    """Where the Chinese notebooks of the site in ``out`` go: ``build/zh/notebooks``, beside ``build/course``."""
    return out.parent / "zh" / "notebooks"


def write_sources(
    src: Path,
    notebooks: list[Path],
    sources: Path = NOTEBOOKS,
    timings: Path = TIMINGS,
    widget_js: Path | None = None,
    lang: str = EN,
    originals: list[Path] | None = None,
) -> list[Lesson]:
    """Write the Sphinx source folder ``src`` for these lesson notebooks in ``lang``; return the lessons as listed.

    ``sources``: the lessons' own folder (the instructor notebooks, which the student copies are made from, and the
    folder their images are relative to); a notebook given from elsewhere (an executed copy) is matched by name.
    ``originals``: in another language than English, the English notebooks, offered for download beside them.
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
    for original in originals or []:
        (src / "files" / "en").mkdir(exist_ok=True)
        shutil.copy(original, src / "files" / "en" / original.name)
    thumbs = {}
    for lesson in lessons:
        name = lesson.path.name
        instructor = sources / name if (sources / name).is_file() else lesson.path
        shutil.copy(lesson.path, src / "files" / "notebooks" / name)
        make_student_copy(instructor, src / "files" / "student" / name)
        nb = page_notebook(lesson, widgets, lang)
        nbformat.write(nb, src / "lessons" / name)
        copy_images(nb, src / "lessons", instructor.parent)
        thumb = thumbnail(nb)
        if thumb:
            (src / "thumbs" / f"{lesson.number}.png").write_bytes(thumb)
        thumbs[lesson.number] = thumb is not None
    (src / "index.md").write_text(landing_page(lessons, widgets, thumbs, lang), encoding="utf-8")
    (src / "teacher.md").write_text(teacher_page([lesson.path for lesson in lessons], timings, lang), encoding="utf-8")
    (src / "glossary.md").write_text(glossary_page(lang), encoding="utf-8")
    (src / "docs").mkdir(exist_ok=True)
    only_english = words(lang)(N_("This page is in English only: it is written for those who keep the course."))
    for page in docs_pages():
        text = site_links(page.read_text(encoding="utf-8"), up="../")
        if lang != EN:
            title, rest = text.split("\n", 1)
            text = f"{title}\n\n```{{note}}\n{only_english}\n```\n{rest}"
        (src / "docs" / page.name).write_text(text, encoding="utf-8")
    for folder in DOCS.iterdir():  # the images the pages show (docs/book is the site's own settings)
        if folder.is_dir() and folder.name != "book":
            shutil.copytree(folder, src / "docs" / folder.name, dirs_exist_ok=True)
    other, folder = next(k for k in LANGUAGES if k != lang), LANGUAGES[lang][1]
    site = {"language": lang, "title": words(lang)(N_("Autoencoders in PyTorch")),
            "other": {"language": other, "name": LANGUAGES[other][0], "up": "../" if folder else "",
                      "folder": LANGUAGES[other][1]}}
    if lang != EN:  # Sphinx's Chinese search splits words with jieba: the glossary's terms are words to it
        (src / "search-words.txt").write_text("".join(f"{term.chinese} 100000\n" for term in i18n.glossary()),
                                              encoding="utf-8")
    (src / "site.json").write_text(json.dumps(site, ensure_ascii=False), encoding="utf-8")
    return lessons


def write_translated(
    notebooks: list[Path], folder: Path, sources: Path = NOTEBOOKS, locale: Path = i18n.LOCALE
) -> list[Path]:
    """Write each lesson notebook with its Markdown in Chinese (the catalogues in ``locale``) to ``folder``, code
    cells and outputs as they are (nothing is executed), with the images its Markdown shows; return the paths."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        translate = i18n.translator(f"lessons/{path.stem}", locale)
        nb = i18n.translate_notebook(nbformat.read(path, as_version=4), translate)
        write_atomic(folder / path.name, (nbformat.writes(nb) + "\n").encode("utf-8"))
        copy_images(nb, folder, sources)
        written.append(folder / path.name)
    return written


def _sphinx(src: Path, html: Path, work: Path) -> None:
    from sphinx.cmd.build import build_main

    warnings = work / f"warnings-{src.name}.txt"
    args = ["-b", "html", "-q", "-W", "--keep-going", "-w", str(warnings), "-d", str(work / f"doctrees-{src.name}")]
    code = build_main([*args, str(src), str(html)])
    said = warnings.read_text(encoding="utf-8").strip() if warnings.exists() else ""
    if code != 0:
        raise BookError(f"Sphinx could not build the site from {src.name} (exit code {code}):\n{said}")


def build(
    notebooks: list[Path] | None = None,
    out: Path = OUT,
    sources: Path = NOTEBOOKS,
    timings: Path = TIMINGS,
    widget_js: Path | None | bool = True,
    log=print,
) -> list[Lesson]:
    """Build the site into ``out`` (``out/index.html``, the Chinese one in ``out/zh/``) from these lesson notebooks
    (default: the stored ones), and the Chinese notebooks into :func:`zh_notebooks`.

    ``widget_js``: the unpacked widget manager (``aelib.tools.vendor``), True for the cached one if there is one, or
    None/False to show widgets as text. Raises BookError with Sphinx's warnings if there are any (a broken
    reference, a page Sphinx cannot read): the previous site in ``out`` is then left as it was.
    """
    notebooks = notebooks if notebooks is not None else numbered(sources)
    if not notebooks:
        raise BookError(f"no lessons NN_*.ipynb in {sources}: nothing to build")
    if widget_js is True:
        widget_js = vendor.available()
    out.parent.mkdir(parents=True, exist_ok=True)
    chinese = write_translated(notebooks, zh_notebooks(out), sources)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.") as tmp:
        work = Path(tmp)
        lessons = write_sources(work / "src", notebooks, sources, timings, widget_js or None)
        _sphinx(work / "src", work / "html", work)
        write_sources(work / "zh", chinese, zh_notebooks(out), timings, widget_js or None, ZH, notebooks)
        _sphinx(work / "zh", work / "html" / LANGUAGES[ZH][1], work)
        old = work / "previous"
        if out.exists():
            out.replace(old)  # inside the temporary folder: removed with it
        (work / "html").replace(out)
    how = "" if widget_js else ", widgets as text"
    log(f"Built the course's site ({len(lessons)} lessons{how}): open {out / 'index.html'}; in Chinese, "
        f"{out / LANGUAGES[ZH][1] / 'index.html'}, and its notebooks in {zh_notebooks(out)}")
    return lessons


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(
        prog="python -m aelib book",
        description="Build the course's site into build/course/ from the stored outputs in notebooks/ (make docs); "
        "`fetch` downloads the widget manager its pages use, once.",
    )
    p.add_argument("action", nargs="?", choices=["build", "fetch", "readme", "notebooks"], default="build",
                   help="build the site (default); fetch the widget manager; readme: rewrite README's lesson table; "
                   "notebooks: write only the Chinese notebooks (make lab-zh)")
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    if args.action == "readme":
        lessons = [describe(path, NO_TIMINGS) for path in numbered(NOTEBOOKS)]
        write_atomic(README, readme_with_lessons(lessons).encode("utf-8"))
        print(f"wrote the lesson table of {README}")
        return 0
    if args.action == "notebooks":
        written = write_translated(numbered(NOTEBOOKS), zh_notebooks(args.out))
        print(f"wrote {len(written)} Chinese notebooks to {zh_notebooks(args.out)}")
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
