"""The Chinese edition (aelib/tools/i18n.py): every prose unit of the course has a current, faithful translation in
``locale/``; a changed English sentence fails here, naming its lesson, cell and text, until ``make translations``
and a translation bring it back; the Chinese notebooks keep every code cell and output of the English byte for byte.

``tests/i18n/`` holds a tiny lesson and its catalogue: the tests below change it in a copy to show the failure and
the fix, as a contributor meets them.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from aelib.tools import book, i18n, student
from aelib.tools.lessons import numbered, title_and_summary

LESSONS = numbered()
DOMAINS = i18n.domains()
TINY = Path(__file__).with_name("i18n")


@pytest.mark.parametrize("domain", DOMAINS, ids=[d.name for d in DOMAINS])
def test_every_prose_unit_is_translated_and_current(domain):
    said = i18n.problems([domain])
    assert not said, f"{len(said)} unit(s) of {domain.name} need the translator:\n" + "\n".join(said)


def test_every_lesson_and_page_has_a_catalogue_with_its_units():
    names = {d.name for d in DOMAINS}
    assert {f"lessons/{p.stem}" for p in LESSONS} <= names and {"index", "teacher", "site"} <= names
    for domain in DOMAINS:
        assert domain.units, f"{domain.name}: no prose found"
        catalogue = i18n.read(domain.catalogue())
        entries = {m.id for m in catalogue if m.id}
        assert entries == {u.text for u in domain.units}, f"{domain.name}: entries gone or extra"
    per_lesson = {d.name: len(d.units) for d in DOMAINS if d.name.startswith("lessons/")}
    for path in LESSONS:  # every Markdown cell with words is a unit
        nb = nbformat.read(path, as_version=4)
        markdown = [c for c in nb.cells if c.cell_type == "markdown" and re.search("[A-Za-z]{2}", c.source)]
        assert per_lesson[f"lessons/{path.stem}"] == len(markdown), path.name


def test_the_site_words_are_found_where_the_code_marks_them():
    texts = {u.text for u in i18n.marked_units()}
    assert {"this machine's `make course`", "Download {notebook} or {student} (exercises blank, no outputs).",
            "Lesson", "Run time, top to bottom", "{minutes} min"} <= texts


@pytest.mark.parametrize("name", ["README.md", "docs/TEACHER.md"])
def test_a_markdown_page_is_cut_into_blocks_that_give_it_back(name):
    text = (i18n.REPO / name).read_text(encoding="utf-8")
    pieces = list(i18n.segments(text))
    assert "".join(piece for _, _, piece in pieces) == text
    prose = [piece for is_prose, _, piece in pieces if is_prose]
    assert not any("```" in p or "<!--" in p for p in prose), "code and comments stay as they are"
    assert i18n.translate_markdown(text, str) == text


def test_blocks_are_paragraphs_items_tables_and_headings():
    text = "# Title\n\nA paragraph\non two lines.\n\n- one\n- two\n\n| one | two |\n|---|---|\n\n```bash\nmake x\n```\n"
    prose = [piece for is_prose, _, piece in i18n.segments(text) if is_prose]
    assert prose == ["# Title", "A paragraph\non two lines.", "- one", "- two", "| one | two |\n|---|---|"]


# ----------------------------------------------------------------------------------------------------------------
# A tiny lesson: the failure and the fix


@pytest.fixture
def tiny(tmp_path):
    shutil.copytree(TINY, tmp_path, dirs_exist_ok=True)
    return tmp_path


def tiny_domains(root: Path) -> list[i18n.Domain]:
    return [d for d in i18n.domains(root / "notebooks", root) if d.units]


def edit_cell(root: Path, number: int, old: str, new: str) -> None:
    path = root / "notebooks" / "01_tiny.ipynb"
    nb = nbformat.read(path, as_version=4)
    assert old in nb.cells[number - 1].source
    nb.cells[number - 1].source = nb.cells[number - 1].source.replace(old, new)
    nbformat.write(nb, path)


def test_a_changed_english_sentence_fails_naming_the_cell_until_it_is_translated_again(tiny):
    locale = tiny / "locale"
    assert i18n.problems(tiny_domains(tiny), locale) == []

    edit_cell(tiny, 3, "draws the image back", "redraws the image")
    said = i18n.problems(tiny_domains(tiny), locale)
    assert len(said) == 1 and said[0].startswith("notebooks/01_tiny.ipynb, cell 3: ")
    assert "'The decoder redraws the image from its code: `decode(code)`.'" in said[0]
    assert "make translations" in said[0]

    counts = i18n.update(tiny_domains(tiny), locale)  # make translations
    assert (counts["lessons/01_tiny"].fuzzy, counts["lessons/01_tiny"].removed) == (1, 1)
    po = (locale / "zh_CN/LC_MESSAGES/lessons/01_tiny.po").read_text(encoding="utf-8")
    assert "#, fuzzy" in po and '#| msgid "The decoder draws the image back' in po, "the old English kept beside it"
    assert "解码器再从编码画回图像" in po, "the old translation kept, to be brought in line"
    said = i18n.problems(tiny_domains(tiny), locale)
    assert len(said) == 1 and "cell 3" in said[0] and "fuzzy" in said[0]

    catalogue = i18n.read(locale / "zh_CN/LC_MESSAGES/lessons/01_tiny.po")  # the translator's edit
    entry = catalogue.get("The decoder redraws the image from its code: `decode(code)`.")
    entry.string, entry.flags = "解码器从编码重新画出图像：`decode(code)`。", set()
    i18n.write(catalogue, locale / "zh_CN/LC_MESSAGES/lessons/01_tiny.po")
    assert i18n.problems(tiny_domains(tiny), locale) == []
    assert "#| msgid" not in (locale / "zh_CN/LC_MESSAGES/lessons/01_tiny.po").read_text(encoding="utf-8")


def test_the_previous_english_of_several_lines_is_kept_until_the_entry_is_translated_again(tiny):
    edit_cell(tiny, 1, "a code of 2 numbers", "a code of just 2 numbers")  # the cell has three lines
    locale, po = tiny / "locale", tiny / "locale/zh_CN/LC_MESSAGES/lessons/01_tiny.po"
    i18n.update(tiny_domains(tiny), locale)
    first = po.read_text(encoding="utf-8")
    assert '#, fuzzy\n#| msgid ""\n#| "# Lesson 01 — A tiny lesson\\n"\n#| "\\n"\n#| "An autoencoder squeezes' in first
    i18n.update(tiny_domains(tiny), locale)  # a second update changes nothing (Babel alone would re-wrap it)
    assert po.read_text(encoding="utf-8") == first
    catalogue = i18n.read(po)
    entry = next(m for m in catalogue if m.fuzzy)
    assert entry.previous_id == ["# Lesson 01 — A tiny lesson\n\nAn autoencoder squeezes 784 pixels into a code of 2 "
                                 "numbers."] and not entry.user_comments
    entry.string, entry.flags = entry.string.replace("由 2 个数", "仅由 2 个数"), set()
    i18n.write(catalogue, po)
    assert "#|" not in po.read_text(encoding="utf-8") and "# |" not in po.read_text(encoding="utf-8")
    assert i18n.problems(tiny_domains(tiny), locale) == []


def test_a_new_cell_gets_an_empty_entry_and_a_gone_one_is_removed(tiny):
    path = tiny / "notebooks" / "01_tiny.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[2] = nbformat.v4.new_markdown_cell("## Exercises\n\nWrite `encode`.")
    nbformat.write(nb, path)
    counts = i18n.update(tiny_domains(tiny), tiny / "locale")["lessons/01_tiny"]
    assert (counts.translated, counts.empty) == (1, 1)
    said = i18n.problems(tiny_domains(tiny), tiny / "locale")
    assert len(said) == 1 and "cell 3" in said[0] and "not translated yet" in said[0]
    entries = [m.id for m in i18n.read(tiny / "locale/zh_CN/LC_MESSAGES/lessons/01_tiny.po") if m.id]
    assert not any("decoder" in e for e in entries), "the gone cell's entry is removed, not kept obsolete"


def test_the_tiny_lesson_in_chinese_keeps_its_code_cell(tiny):
    written = book.write_translated(numbered(tiny / "notebooks"), tiny / "zh", tiny / "notebooks", tiny / "locale")
    nb = nbformat.read(written[0], as_version=4)
    assert nb.cells[0].source.startswith("# 第 01 课 — 一节小课") and nb.cells[1].source.startswith("code = [0.5")
    assert title_and_summary(nb) == ("第 01 课 — 一节小课", "自编码器把 784 个像素压缩成由 2 个数组成的编码。")


# ----------------------------------------------------------------------------------------------------------------
# Faithful: what a translation keeps


@pytest.mark.parametrize(
    ("chinese", "fault"),
    [
        ("自编码器用 `fit` 训练 10 轮，误差 $x^2$，见[第 02 课](02.ipynb)。", None),
        ("自编码器用 `fit` 训练 12 轮，误差 $x^2$，见[第 02 课](02.ipynb)。", "numbers not kept: 10"),
        ("自编码器用 fit 训练 10 轮，误差 $x^2$，见[第 02 课](02.ipynb)。", "code not kept: `fit`"),
        ("自编码器用 `fit` 训练 10 轮，误差 x²，见[第 02 课](02.ipynb)。", "formulas not kept: $x^2$"),
        ("自编码器用 `fit` 训练 10 轮，误差 $x^2$，见第 02 课。", "links not kept: 02.ipynb"),
        ("自动编码器用 `fit` 训练 10 轮，误差 $x^2$，见[第 02 课](02.ipynb)。", "glossary: 'autoencoder' is 自编码器"),
        ("自编码器用 `fit` 训练\n10 轮，误差 $x^2$，见[第 02 课](02.ipynb)。", None),
        ("自编码器用 `fit` 训练 10 轮，误\n差 $x^2$，见[第 02 课](02.ipynb)。", "a line break inside a Chinese"),
    ],
    ids=["faithful", "a number", "code", "a formula", "a link", "a glossary term", "a break before a number",
         "a break inside a word"],
)
def test_a_translation_must_keep_numbers_code_formulas_links_and_the_glossary(chinese, fault):
    english = "The autoencoder trains with `fit` for 10 epochs, error $x^2$, see [lesson 02](02.ipynb)."
    said = i18n.unfaithful(english, chinese, i18n.glossary())
    assert said == [] if fault is None else any(fault in s for s in said), said


def test_heading_levels_are_kept():
    assert i18n.unfaithful("## Exercises\n\nText.", "## 练习\n\n文字。") == []
    assert i18n.unfaithful("## Exercises\n\nText.", "### 练习\n\n文字。") != []


def test_the_glossary_has_the_terms_the_edition_is_written_with():
    terms = {t.english: t.chinese for t in i18n.glossary()}
    for english, chinese in [("autoencoder", "自编码器"), ("encoder", "编码器"), ("decoder", "解码器"),
                             ("latent space", "潜在空间"), ("reconstruction error", "重建误差"),
                             ("variational autoencoder", "变分自编码器")]:
        assert terms[english] == chinese
    term = next(t for t in i18n.glossary() if t.english == "encoder")
    assert term.used_in("The encoder shrinks it.") and not term.used_in("An autoencoder and `encoder`.")


# ----------------------------------------------------------------------------------------------------------------
# The Chinese notebooks


@pytest.fixture(scope="module")
def chinese(tmp_path_factory):
    return book.write_translated(LESSONS, tmp_path_factory.mktemp("zh") / "notebooks")


def cell_bytes(cell) -> str:
    return json.dumps(cell, sort_keys=True, ensure_ascii=False)


def test_chinese_notebooks_keep_every_code_cell_and_output_byte_for_byte(chinese):
    for english, path in zip(LESSONS, chinese, strict=True):
        en, zh = nbformat.read(english, as_version=4), nbformat.read(path, as_version=4)
        assert [c.cell_type for c in en.cells] == [c.cell_type for c in zh.cells], path.name
        for number, (a, b) in enumerate(zip(en.cells, zh.cells, strict=True), start=1):
            if a.cell_type == "code":
                assert cell_bytes(a) == cell_bytes(b), f"{path.name}, cell {number}: a code cell changed"
            elif re.search("[A-Za-z]{2}", a.source):
                assert re.search(r"[\u4e00-\u9fff]", b.source), f"{path.name}, cell {number} is not in Chinese"
                assert a.metadata == b.metadata, f"{path.name}, cell {number}: its metadata (nbgrader's) changed"
        assert zh.metadata.widgets == en.metadata.widgets if "widgets" in en.metadata else True
        assert zh.metadata.aelib["language"] == "zh_CN"


def test_chinese_notebooks_have_the_same_exercises_and_a_chinese_title(chinese):
    for english, path in zip(LESSONS, chinese, strict=True):
        en, zh = nbformat.read(english, as_version=4), nbformat.read(path, as_version=4)
        ours, theirs = student.exercises(en, english.name[:2]), student.exercises(zh, path.name[:2])
        assert [(e.number, e.points, e.solution_ids, e.check_id) for e in ours] == [
            (e.number, e.points, e.solution_ids, e.check_id) for e in theirs], path.name
        assert all(re.search(r"[\u4e00-\u9fff]", e.title) for e in theirs), (path.name, [e.title for e in theirs])
        title, summary = title_and_summary(zh)
        assert title.startswith(f"第 {path.name[:2]} 课") and re.search(r"[\u4e00-\u9fff]", summary), (title, summary)
