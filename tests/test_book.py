"""The course's site (aelib/tools/book.py): pages made from the lessons and the docs; a failed build keeps the
previous site. The real site, in a browser: tests/test_book_site.py."""

from __future__ import annotations

import base64
import io
from dataclasses import replace

import nbformat
import pytest
from PIL import Image

from aelib.tools import book, pages
from aelib.tools.lessons import describe, numbered

LESSONS = numbered()
NO_TIMINGS = book.NO_TIMINGS  # the stored runs' own times, whatever ran here

WIDGET_VIEW = pages.WIDGET_VIEW


def png(width: int, height: int, shade: int = 0) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (shade, shade, shade)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def lesson(path, *, figures=(), explorer=False, markdown="Some prose.") -> object:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# Lesson 01 — Tiny\n\nA tiny lesson. More.\n\n{markdown}")]
    for i, (tags, image) in enumerate(figures):
        cell = nbformat.v4.new_code_cell(f"figure_{i}()", metadata={"tags": list(tags)})
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": image, "text/plain": "<Figure>"})]
        nb.cells.append(cell)
    if explorer:
        cell = nbformat.v4.new_code_cell("widgets.latent_explorer(fashion)")
        view = {"version_major": 2, "version_minor": 0, "model_id": "box1"}
        cell.outputs = [nbformat.v4.new_output("display_data", data={WIDGET_VIEW: view, "text/plain": "LabWidget(…)"})]
        nb.cells.append(cell)
        box = {"model_name": "VBoxModel", "state": {"_dom_classes": ["aelib-latent-explorer"]}}
        bar = {"model_name": "FloatProgressModel", "state": {"_dom_classes": []}}
        nb.metadata["widgets"] = {pages.WIDGET_STATE: {"state": {"box1": box, "bar": bar}, "version_major": 2}}
    nbformat.write(nb, path)
    return path


def test_the_landing_page_is_the_readme_with_its_lessons_shown_with_thumbnails():
    lessons = [describe(path, NO_TIMINGS) for path in LESSONS]
    page = pages.landing_page(lessons, widgets=True, thumbs={lesson.number: True for lesson in lessons})
    assert page.startswith("# aelib") and "## Who it is for" in page and "make course" in page
    assert ":class: aelib-lessons" in page and "<!-- lessons -->" not in page
    assert "docs/architecture" in page and "docs/decisions" in page  # every page of docs/ is in the site


def test_readmes_lesson_table_is_the_one_the_notebooks_make():
    """README's lesson table is generated (`python -m aelib book readme`): titles, summaries, stored run times."""
    lessons = [describe(path, NO_TIMINGS) for path in LESSONS]
    assert pages.README.read_text(encoding="utf-8") == pages.readme_with_lessons(lessons), (
        "README's lesson table is stale: run `python -m aelib book readme`")
    table = pages.readme_lessons(lessons)
    assert all(lesson.title in table and f"{lesson.seconds:.0f} s" in table for lesson in lessons)
    moved = [replace(lessons[0], seconds=lessons[0].seconds + 60), *lessons[1:]]
    assert pages.readme_lessons(moved) != table  # a lesson that got slower changes the table


def test_readme_links_become_site_links():
    text = (
        "[lesson 2](notebooks/02_dense_autoencoder.ipynb), [the lock](requirements.lock), [up](#the-data), "
        "[linter](https://import-linter.readthedocs.io), ![fig](docs/x.png)"
    )
    assert pages.site_links(text) == (
        "[lesson 2](lessons/02_dense_autoencoder.ipynb), the lock, up, [linter](https://import-linter.readthedocs.io), "
        "![fig](docs/x.png)"
    )
    assert pages.site_links("[t](docs/testing.md), [g](docs/TEACHER.md)") == "[t](docs/testing.md), [g](teacher.md)"
    assert pages.site_links("[d](data.md), [l](../notebooks/01_data_loading.ipynb)", up="../") == (
        "[d](data.md), [l](../lessons/01_data_loading.ipynb)")


def test_the_thumbnail_is_the_tagged_figure_else_the_first_small(tmp_path):
    first, tagged = png(800, 600, 10), png(1000, 400, 200)
    nb = nbformat.read(lesson(tmp_path / "01_a.ipynb", figures=[((), first), (("thumbnail",), tagged)]), 4)
    image = Image.open(io.BytesIO(pages.thumbnail(nb)))
    assert image.size == (320, 128) and image.getpixel((5, 5)) == (200, 200, 200)
    nb = nbformat.read(lesson(tmp_path / "01_b.ipynb", figures=[((), first)]), 4)
    assert Image.open(io.BytesIO(pages.thumbnail(nb))).size == (320, 240)
    assert pages.thumbnail(nbformat.read(lesson(tmp_path / "01_c.ipynb"), 4)) is None


def test_a_lesson_page_gets_its_header_and_a_note_above_each_explorer(tmp_path):
    path = lesson(tmp_path / "01_tiny.ipynb", figures=[((), png(8, 8))], explorer=True)
    described = describe(path, tmp_path / "none.json")
    nb = pages.page_notebook(described, widgets=True)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds == ["markdown", "markdown", "code", "markdown", "code"]
    header = nb.cells[1].source
    assert "{download}`the notebook <../files/notebooks/01_tiny.ipynb>`" in header
    assert "{download}`the student copy <../files/student/01_tiny.ipynb>`" in header and "make lab" in header
    assert "running kernel" in nb.cells[3].source and "latent_explorer" in nb.cells[4].source
    assert WIDGET_VIEW in nb.cells[4].outputs[0]["data"] and "widgets" in nb.metadata

    text_only = pages.page_notebook(described, widgets=False)
    assert WIDGET_VIEW not in text_only.cells[4].outputs[0]["data"], "without the manager, widgets show as text"
    assert "widgets" not in text_only.metadata


def test_every_stored_lesson_gives_a_thumbnail_and_its_explorers_are_found():
    with_explorers = set()
    for path in numbered():
        nb = nbformat.read(path, as_version=4)
        assert pages.thumbnail(nb), f"{path.name} has no figure for the landing page"
        if pages.explorer_models(nb):
            with_explorers.add(path.name[:2])
    assert {"06", "07", "08"} <= with_explorers


def test_a_failed_build_keeps_the_previous_site(tmp_path):
    sources, out = tmp_path / "nb", tmp_path / "site"
    sources.mkdir()
    good = lesson(sources / "01_tiny.ipynb", figures=[((), png(40, 30))])
    book.build([good], out=out, sources=sources, timings=tmp_path / "none.json", widget_js=None, log=lambda *_: None)
    before = (out / "index.html").read_text()
    assert "Lesson 01 — Tiny" in before and (out / "lessons" / "01_tiny.html").is_file()
    assert "are shown as text" in before.replace("\n", " ")

    lesson(sources / "01_tiny.ipynb", markdown="See {doc}`a page that does not exist <nowhere>`.")
    with pytest.raises(book.BookError, match="nowhere"):
        book.build(out=out, sources=sources, timings=tmp_path / "none.json", widget_js=None, log=lambda *_: None)
    assert (out / "index.html").read_text() == before
    # no temporary folder left behind; zh/ holds the Chinese notebooks, written beside the site
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb", "site", "zh"]


def test_an_image_a_lesson_shows_must_exist_inside_the_site(tmp_path):
    sources = tmp_path / "nb"
    sources.mkdir()
    lesson(sources / "01_tiny.ipynb", markdown="![the curve](../docs/missing.png)")
    with pytest.raises(book.BookError, match="missing.png"):
        book.build(out=tmp_path / "site", sources=sources, timings=tmp_path / "none.json", widget_js=None)
    (tmp_path / "far.png").write_bytes(base64.b64decode(png(4, 4)))
    deep = tmp_path / "a" / "b" / "nb"
    deep.mkdir(parents=True)
    lesson(deep / "01_tiny.ipynb", markdown="![far](../../../far.png)")  # a file, but out of the site's folder
    with pytest.raises(book.BookError, match="outside the site"):
        book.write_sources(tmp_path / "site" / "src", [deep / "01_tiny.ipynb"], deep, tmp_path / "none.json")
