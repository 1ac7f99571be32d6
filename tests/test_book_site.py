"""The course's site as a reader meets it: built from the stored outputs (no training, nothing executed), its pages
and downloads checked as files, then opened in a real browser (Debian's Chromium, driven by Playwright, as
tests/test_browser.py does): the index lists every lesson with its time, the link to lesson 02 opens a page with a
rendered figure and a highlighted code cell, "next" leads to lesson 03, a search for "PCA" finds lesson pages, the
language link leads to the same lesson in Chinese (a figure drawn, its link back to the English), a search there for
自编码器 finds lesson pages, and no page logs a console error or asks for anything off this machine. Screenshots:
``build/browser/book_*.png``.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import socket
import threading
from pathlib import Path

import nbformat
import pytest

from aelib.tools import book, i18n, pages, student
from aelib.tools.lessons import describe, minutes, numbered, title_and_summary
from tests.test_browser import CHROMIUM_ARGS, SHOTS, chromium_path

LESSONS = numbered()
NO_TIMINGS = Path(__file__).with_name("no-such-timings.json")  # the stored runs' own times, whatever ran here


class Site:
    def __init__(self, root, lessons, widgets: bool):
        self.root, self.lessons, self.widgets = root, lessons, widgets
        self.url = ""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built from the stored outputs with the network cut off: any connection or name lookup raises."""
    root = tmp_path_factory.mktemp("book") / "course"
    asked = []

    def no_network(*args, **kwargs):
        asked.append(args)
        raise OSError("the site's build must not use the network")

    with pytest.MonkeyPatch.context() as patch:
        for name in ("getaddrinfo", "create_connection"):
            patch.setattr(socket, name, no_network)
        patch.setattr(socket.socket, "connect", no_network)
        built = book.build(out=root, timings=NO_TIMINGS, log=lambda *_: None)
    assert not asked, f"the build tried the network: {asked}"
    return Site(root, built, widgets=(root / "_static" / "widgets" / "embed.js").is_file())


def page(site, name: str) -> str:
    return (site.root / name).read_text(encoding="utf-8")


def test_every_lesson_has_a_page_listed_on_the_index_with_its_run_time(site):
    index = page(site, "index.html")
    assert [lesson.path.name for lesson in site.lessons] == [p.name for p in LESSONS]
    for lesson in site.lessons:
        assert (site.root / "lessons" / f"{lesson.path.stem}.html").is_file()
        assert f'href="lessons/{lesson.path.stem}.html"' in index
        assert minutes(lesson.seconds) in index, (lesson.path.name, minutes(lesson.seconds))
        assert (site.root / "_images" / f"{lesson.number}.png").is_file(), "its thumbnail"
    assert "`" not in re.sub(r"<[^>]+>", "", index.split('<table class="aelib-lessons')[1].split("</table>")[0])


def test_the_index_says_how_long_the_commands_take(site):
    text = re.sub(r"<[^>]+>", "", page(site, "index.html"))
    rows = [line.split("|")[1:-1] for line in pages.README.read_text(encoding="utf-8").splitlines()
            if line.startswith("| `make ")]  # | `make X`, … | a time per CPU | … |
    commands = [re.match(r" `(make \w+)`", cells[0]).group(1) for cells in rows]
    assert commands == ["make check", "make course", "make test"], rows
    for command, (_, *took) in zip(commands, rows, strict=True):
        assert command in text and took and all(t.strip() in text for t in took), (command, took)


def test_the_downloads_are_the_notebook_and_its_student_copy(site):
    for path in LESSONS:
        html = page(site, f"lessons/{path.stem}.html")
        links = re.findall(r'class="reference download internal" download="" href="([^"]+)"', html)
        assert len(links) == 2, (path.name, links)
        notebook, student = (site.root / "lessons" / link for link in links)
        assert notebook.read_bytes() == path.read_bytes(), "the notebook as stored, outputs included"
        copy = nbformat.read(student, as_version=4)
        assert not any(c.get("outputs") for c in copy.cells if c.cell_type == "code"), "a student copy has no outputs"
        assert any("raise NotImplementedError()" in c.source for c in copy.cells), f"{path.name}: solutions stubbed"
        assert not any("### BEGIN SOLUTION" in c.source for c in copy.cells), path.name


def test_the_teacher_guide_and_how_it_is_built_are_pages(site):
    teacher = page(site, "teacher.html")
    for path in LESSONS:  # the guide's generated tables: every exercise's check cell, every lesson's run time
        for exercise in student.exercises(nbformat.read(path, as_version=4), path.name[:2]):
            assert exercise.check_id in teacher, (path.name, exercise.check_id)
        assert f"{describe(path, NO_TIMINGS).seconds / 60:.1f} min" in teacher, path.name
    assert "SOURCE of build/student/TEACHER.md" not in teacher, "the guide's source comment is not shown"
    built = page(site, "docs/architecture.html")
    assert "import-linter" in built and "recipes.py" in built and "Adding a lesson" in built
    for doc in pages.docs_pages():  # every page of docs/, linked from the landing page
        assert (site.root / "docs" / f"{doc.stem}.html").is_file() and f'href="docs/{doc.stem}.html' in page(
            site, "index.html"), doc.name


def test_nothing_is_loaded_from_another_host(site):
    for html in site.root.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert not re.search(r'<script[^>]+src="(https?:)?//', text), html
        assert not re.search(r'<link[^>]+href="(https?:)?//', text), html


# ----------------------------------------------------------------------------------------------------------------
# The Chinese edition: build/course/zh/, the twin of every page


LANGUAGE_LINK = re.compile(r'<a class="btn btn-sm aelib-language" href="([^"]+)"')


def english_pages(site) -> list[Path]:
    return [p.relative_to(site.root) for p in site.root.rglob("*.html")
            if p.relative_to(site.root).parts[0] not in ("zh", "_static", "_sources", "_downloads")]


def test_every_page_has_a_chinese_twin_and_each_links_to_the_other(site):
    pages = english_pages(site)
    assert len(pages) >= len(LESSONS) + 3
    for name in pages:
        english, chinese = site.root / name, site.root / "zh" / name
        assert chinese.is_file(), f"{name} has no Chinese twin"
        there = LANGUAGE_LINK.findall(english.read_text(encoding="utf-8"))
        back = LANGUAGE_LINK.findall(chinese.read_text(encoding="utf-8"))
        assert len(there) == 1 and (english.parent / there[0]).resolve() == chinese.resolve(), (name, there)
        assert len(back) == 1 and (chinese.parent / back[0]).resolve() == english.resolve(), (name, back)
        assert '<html lang="zh-CN"' in chinese.read_text(encoding="utf-8")


def test_the_chinese_lessons_are_the_chinese_notebooks_with_three_downloads(site):
    notebooks = site.root.parent / "zh" / "notebooks"
    index = page(site, "zh/index.html")
    assert "代码、打印的输出、图中的标注和练习的反馈保持英文" in index
    for path in LESSONS:
        html = page(site, f"zh/lessons/{path.stem}.html")
        title, _ = title_and_summary(nbformat.read(notebooks / path.name, as_version=4))
        assert title.startswith(f"第 {path.name[:2]} 课") and title in html and title in index, path.name
        links = re.findall(r'class="reference download internal" download="" href="([^"]+)"', html)
        assert len(links) == 3, (path.name, links)
        chinese, student_copy, english = (site.root / "zh" / "lessons" / link for link in links)
        assert chinese.read_bytes() == (notebooks / path.name).read_bytes()
        assert english.read_bytes() == path.read_bytes(), "the English original, as stored"
        copy = nbformat.read(student_copy, as_version=4)
        assert any("raise NotImplementedError()" in c.source for c in copy.cells) and any(
            "练习" in c.source for c in copy.cells if c.cell_type == "markdown"), f"{path.name}: a Chinese student copy"
    for doc in pages.docs_pages():  # in English, and saying so
        assert "本页只有英文版" in page(site, f"zh/docs/{doc.stem}.html"), doc.name
    teacher = page(site, "zh/teacher.html")
    assert "教师指南" in teacher and "中文版" in teacher and "check_id" not in teacher
    glossary = page(site, "zh/glossary.html")
    assert all(term.chinese in glossary for term in i18n.glossary())


def search_hits(site, folder: str, word: str) -> set[str]:
    text = (site.root / folder / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    hits = set()
    for kind in ("terms", "titleterms"):
        found = index[kind].get(word, [])
        hits |= {index["docnames"][i] for i in ([found] if isinstance(found, int) else found)}
    return hits


def test_searching_the_chinese_site_for_the_glossary_terms_finds_the_lessons(site):
    """Sphinx's Chinese search indexes no Chinese word without jieba (pinned); the glossary's terms are words to it."""
    lessons = {f"lessons/{path.stem}" for path in LESSONS}
    assert lessons <= search_hits(site, "zh", "自编码器")
    for term in ("重建误差", "潜在空间", "变分自编码器", "稀疏自编码器"):
        assert search_hits(site, "zh", term) & lessons, term


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no line per request on the test's output
        pass


@pytest.fixture(scope="module")
def served(site):
    handler = functools.partial(QuietHandler, directory=str(site.root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site.url = f"http://127.0.0.1:{server.server_address[1]}/"
    yield site
    server.shutdown()
    server.server_close()


def search(view, words: str) -> list[str]:
    """Search as a reader does (the search button, type, Enter); the links of the results."""
    view.locator(".search-button-field").first.click()
    box = view.locator("input[name='q']:visible").first
    box.fill(words)
    box.press("Enter")
    view.wait_for_url("**/search.html?q=*")
    summary = "() => document.querySelector('#search-results p.search-summary')?.innerText.trim().length > 0"
    view.wait_for_function(summary, timeout=30_000)  # the results come one by one; the summary, when all are in
    hits = view.locator("#search-results ul.search li")
    return hits.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")


@pytest.mark.browser
def test_a_reader_browses_the_site_in_chromium(served):
    if chromium_path() is None:
        pytest.skip("Chromium is not installed: `sudo apt-get install chromium` (or `make chromium` as root)")
    from playwright.sync_api import sync_playwright

    site = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors, elsewhere = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        view = browser.new_page(viewport={"width": 1400, "height": 1000})
        view.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
        view.on("pageerror", lambda e: errors.append(f"page error: {e}"))

        def only_here(route):
            if route.request.url.startswith(site.url) or route.request.url.startswith(("data:", "blob:")):
                return route.continue_()
            elsewhere.append(route.request.url)
            return route.abort()

        view.route("**/*", only_here)
        try:
            # The index: every lesson, each with its run time.
            view.goto(site.url + "index.html", wait_until="load")
            rows = view.locator("table.aelib-lessons tbody tr")
            assert rows.count() == len(LESSONS)
            for i, lesson in enumerate(site.lessons):
                text = rows.nth(i).inner_text().replace("\u00a0", " ")
                assert lesson.title in text and re.search(r"\d+\.\d min", text), text
                thumb = rows.nth(i).locator("img")
                assert thumb.evaluate("img => img.complete && img.naturalWidth > 0"), f"{lesson.title}: thumbnail"
            view.screenshot(path=str(SHOTS / "book_index.png"))

            # Lesson 02 from its link: a figure, highlighted code, its own contents, the downloads.
            second = site.lessons[1]
            view.locator("table.aelib-lessons").get_by_role("link", name=second.title).click()
            view.wait_for_url(f"**/lessons/{second.path.stem}.html")
            view.screenshot(path=str(SHOTS / "book_lesson.png"))  # the top: title, the page's header, contents
            figure = view.locator(".cell_output img").first
            figure.scroll_into_view_if_needed()
            assert figure.evaluate("img => img.complete && img.naturalWidth > 100"), "a figure is rendered"
            keyword = view.locator(".cell_input .highlight pre span.kn").first  # Pygments: "import"
            colours = keyword.evaluate("k => [getComputedStyle(k).color, getComputedStyle(k.closest('pre')).color]")
            assert colours[0] != colours[1], f"code is highlighted (keyword and text colours: {colours})"
            contents = view.locator("#pst-page-toc-nav a").all_inner_texts()
            assert len(contents) >= 5 and "Exercises" in contents, contents
            assert view.locator("a.download").count() == 2
            if site.widgets:  # lesson 02's progress bars, drawn by the widget manager from the saved state
                view.locator(".widget-hprogress").first.wait_for(state="attached", timeout=30_000)
            else:
                assert view.locator(".jupyter-widgets").count() == 0
            view.screenshot(path=str(SHOTS / "book_figure.png"))

            # "Next" leads to lesson 03.
            view.locator("a.right-next").click()
            view.wait_for_url(f"**/lessons/{site.lessons[2].path.stem}.html")
            assert site.lessons[2].title in view.locator("h1").first.inner_text()

            found = search(view, "PCA")
            assert sum("lessons/" in href for href in found) >= 3, found
            view.screenshot(path=str(SHOTS / "book_search.png"))

            # The same lesson in Chinese, from its language link, and back.
            view.goto(site.url + f"lessons/{second.path.stem}.html", wait_until="load")
            view.locator("a.aelib-language").click()
            view.wait_for_url(f"**/zh/lessons/{second.path.stem}.html")
            assert "第 02 课" in view.locator("h1").first.inner_text()
            figure = view.locator(".cell_output img").first
            figure.scroll_into_view_if_needed()
            assert figure.evaluate("img => img.complete && img.naturalWidth > 100"), "a figure is rendered in Chinese"
            assert view.locator("a.download").count() == 3
            view.screenshot(path=str(SHOTS / "book_zh_lesson.png"))
            view.locator("a.aelib-language").click()
            view.wait_for_url(f"**/lessons/{second.path.stem}.html")
            assert "/zh/" not in view.url and second.title in view.locator("h1").first.inner_text()

            # Search in Chinese: the term every lesson uses.
            view.goto(site.url + "zh/index.html", wait_until="load")
            found = search(view, "自编码器")
            assert "/zh/search.html" in view.url and sum("lessons/" in href for href in found) >= 5, found
            view.screenshot(path=str(SHOTS / "book_zh_search.png"))
        except Exception:
            view.screenshot(path=str(SHOTS / "book_failure.png"), full_page=True)
            raise
        finally:
            browser.close()
    assert not elsewhere, f"the site asked for pages off this machine: {elsewhere}"
    assert not errors, errors
