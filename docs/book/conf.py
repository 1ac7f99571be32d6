"""Sphinx settings of the course's site. aelib/tools/book.py copies this folder beside the pages it writes, builds them
(``make docs``, ``make course``); nothing here executes a notebook or needs a network."""

from pathlib import Path

project = "Autoencoders in PyTorch"
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
html_title = "Autoencoders in PyTorch"
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
}
