"""Sphinx settings of the course's site. aelib/tools/book.py copies this folder beside the pages it writes, builds them
(``make docs``, ``make course``) once per language; nothing here executes a notebook or needs a network.

``site.json``, written beside it by book.py, says which edition this is: its language, its title, and the other
edition, which every page links to (``add_language_link``)."""

import json
import logging
from pathlib import Path

_site = json.loads((Path(__file__).parent / "site.json").read_text(encoding="utf-8"))
project = _site["title"]
author = "the aelib authors"
copyright = "2026, the aelib authors"  # noqa: A001 (Sphinx's name)

extensions = ["myst_nb"]
exclude_patterns = ["files/**"]  # the downloads (notebooks, student copies): linked, not pages
nb_execution_mode = "off"  # show the outputs each notebook carries: `make course` has just run them
nb_merge_streams = True  # one block per cell for stdout, as Jupyter shows it
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

# The widget manager (aelib/tools/vendor.py) is local: ipywidgets' CDN default would fail offline.
_widgets = Path(__file__).parent / "_static" / "widgets" / "embed.js"
nb_ipywidgets_js = {"widgets/embed.js": {}} if _widgets.exists() else {}

html_theme = "sphinx_book_theme"
html_title = _site["title"]
language = _site["language"]  # Sphinx's and the theme's own words (search, contents, …) in this language
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["aelib.css"]
html_favicon = "_static/favicon.svg"
html_context = {"default_mode": "light"}  # the figures have white backgrounds
html_sourcelink_suffix = ""  # the theme's download button gives the .ipynb itself
html_last_updated_fmt = None
html_theme_options = {
    "home_page_in_toc": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "article_header_end": ["aelib-language.html", "article-header-buttons.html"],
}

if language.startswith("zh"):  # Sphinx's Chinese search splits text into words with jieba (pinned)
    import jieba

    jieba.setLogLevel(logging.WARNING)  # not its "Building prefix dict" lines on every build
    html_search_options = {"dict": str(Path(__file__).parent / "search-words.txt")}  # the glossary's terms


def add_language_link(app, pagename, templatename, context, doctree):
    """The same page in the other edition: the English site's root holds the Chinese one in zh/."""
    other = _site["other"]
    up = "../" * pagename.count("/") + other["up"]
    context["aelib_other_href"] = f"{up}{other['folder'] + '/' if other['folder'] else ''}{pagename}.html"
    context["aelib_other_lang"] = other["language"].replace("_", "-")
    context["aelib_other_name"] = other["name"]


def setup(app):
    app.connect("html-page-context", add_language_link)
    if language.startswith("zh"):
        app.add_search_language(_chinese_search())


def _chinese_search():
    """Sphinx 9.0's Chinese search, with the name of its JavaScript stemmer mended: its page script says
    ``window.Stemmer = ChineseStemmer`` where only EnglishStemmer exists (Chinese pages stem Latin words the English
    way), so every search fails (sphinx-doc/sphinx#14229, mended upstream by #14416 after 9.0.4)."""
    from sphinx.search.zh import SearchChinese

    class ChineseSearch(SearchChinese):
        language_name = "English"  # only names the JavaScript stemmer class

    return ChineseSearch
