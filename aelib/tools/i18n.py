"""The course in Chinese from the English source: gettext catalogues beside it (``make translations``).

The English lessons and documents are the source. Their prose is cut into units, each an entry (msgid: the English,
msgstr: the Chinese) of a gettext catalogue in ``locale/zh_CN/LC_MESSAGES/``, read and written with Babel:

- ``lessons/NN_name.po``: every Markdown cell of ``notebooks/NN_name.ipynb``, one entry per cell (exercises included;
  a lesson's title and summary are its first cell's heading and first sentence);
- ``index.po`` and ``teacher.po``: README.md (the site's landing page) and docs/TEACHER.md, one entry per block of
  Markdown (a paragraph, a list item, a table, a heading), code blocks and comments left out;
- ``site.po``: the words the site's pages and tables are made with (the page header, the lesson table, the glossary
  page), marked in the code by ``N_("…")`` (``aelib.tools.lessons.N_``) and translated where they are shown.

:func:`update` (``python -m aelib translations``) brings every catalogue in line with its source, as ``sphinx-intl
update`` does: an entry whose English changed keeps its old translation marked fuzzy, with the previous English
beside it (``#| msgid``), a new unit gets an empty entry, a unit gone is removed. :func:`problems` lists every unit
whose translation is missing or stale, naming the file, the cell or line and the English; a test fails on any
(tests/test_i18n.py), so the Chinese edition cannot drift. A translation must keep the English's numbers, code,
formulas, links and heading levels, and the glossary's words (``locale/glossary.csv``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from aelib.data import write_atomic
from aelib.tools.lessons import NOTEBOOKS, REPO, numbered

EN, LANG = "en", "zh_CN"
LOCALE = REPO / "locale"
GLOSSARY = LOCALE / "glossary.csv"
PAGES = {"index": "README.md", "teacher": "docs/TEACHER.md"}  # the Markdown pages translated, by catalogue
# Where N_ marks the site's words.
MARKED = ("aelib/tools/lessons.py", "aelib/tools/pages.py", "aelib/tools/book.py", "aelib/tools/student.py")
HEADER = ("# The Chinese edition of the aelib course: translations of its English source (aelib/tools/i18n.py).\n"
          "# `make translations` updates this file from the source; the translations are written by hand.")
WIDTH = 0  # catalogue lines are the source's lines, never re-wrapped: a diff shows the sentence that changed


@dataclass(frozen=True)
class Unit:
    """One prose unit: the English text of a Markdown cell or block, and where it is."""

    text: str
    source: str  # the file, relative to the repository: "notebooks/02_dense_autoencoder.ipynb"
    place: int  # the cell's number in the notebook, or the block's first line in a file (both from 1)

    def where(self) -> str:
        kind = "cell" if self.source.endswith(".ipynb") else "line"
        return f"{self.source}, {kind} {self.place}"


@dataclass(frozen=True)
class Domain:
    """A catalogue and the units it translates: ``lessons/02_dense_autoencoder``, ``index``, ``teacher``, ``site``."""

    name: str
    units: tuple[Unit, ...]

    def catalogue(self, locale: Path = LOCALE, lang: str = LANG) -> Path:
        return locale / lang / "LC_MESSAGES" / f"{self.name}.po"


# ----------------------------------------------------------------------------------------------------------------
# Units


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _has_words(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]{2}", re.sub(r"`[^`]*`|\$[^$]*\$|\([^)\s]*\)", "", text)))


def notebook_units(path: Path, root: Path = REPO) -> list[Unit]:
    """The Markdown cells of a notebook with words in them, one unit each."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    where = _relative(path, root)
    cells = enumerate(nb.cells)
    return [Unit(c.source, where, i + 1) for i, c in cells if c.cell_type == "markdown" and _has_words(c.source)]


def segments(text: str) -> Iterator[tuple[bool, int, str]]:
    """A Markdown file as (prose?, first line, text) pieces whose texts joined give it back exactly: the prose
    blocks (paragraphs, list items, tables, headings) and what stays as it is (blank lines, fenced code, HTML
    comments and what sits between ``<!-- lessons -->`` markers, generated elsewhere)."""
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        line, start = lines[i], i
        if not line.strip():
            i += 1
            yield False, start + 1, line
            continue
        fence = re.match(r"\s*(```+|~~~+)", line)
        if fence or line.lstrip().startswith("<!--"):
            end = fence.group(1) if fence else ("<!-- /lessons -->" if "<!-- lessons -->" in line else "-->")
            i += 1
            if end not in line[len(fence.group(0)) if fence else 4:]:
                while i < len(lines) and end not in lines[i]:
                    i += 1
                i += 1
            yield False, start + 1, "".join(lines[start:i])
            continue
        i += 1
        heading = line.startswith("#")
        while not heading and i < len(lines) and lines[i].strip() and not re.match(r"\s*(```|~~~|<!--|#)", lines[i]):
            if re.match(r"[-*] |\d+\. ", lines[i]) and not lines[start].startswith("|"):  # a new list item
                break
            i += 1
        block = "".join(lines[start:i])
        body = block.rstrip("\n")
        yield _has_words(body), start + 1, body
        if len(block) > len(body):
            yield False, start + 1, block[len(body):]


def markdown_units(path: Path, root: Path = REPO) -> list[Unit]:
    where = _relative(path, root)
    return [Unit(text, where, line) for prose, line, text in segments(path.read_text(encoding="utf-8")) if prose]


def marked_units(root: Path = REPO) -> list[Unit]:
    """The site's words: the strings marked ``N_("…")`` in the code that makes the pages (Babel's extractor)."""
    from babel.messages.extract import extract_from_file

    units = []
    for name in MARKED:
        path = root / name
        if path.is_file():
            for line, text, _, _ in extract_from_file("python", path, keywords={"N_": None}):
                units.append(Unit(text, name, line))
    return units


def domains(notebooks: Path = NOTEBOOKS, root: Path = REPO) -> list[Domain]:
    """Every catalogue and its units: one per lesson, the landing page, the teacher guide, the site's words."""
    found = [Domain(f"lessons/{p.stem}", tuple(notebook_units(p, root))) for p in numbered(notebooks)]
    for name, page in PAGES.items():
        path = root / page
        if path.is_file():
            found.append(Domain(name, tuple(markdown_units(path, root))))
    found.append(Domain("site", tuple(marked_units(root))))
    return found


# ----------------------------------------------------------------------------------------------------------------
# Catalogues


def read(path: Path):
    """The catalogue at ``path`` (Babel's ``Catalog``), or an empty one where there is none."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    if not path.is_file():
        return Catalog(locale=LANG, header_comment=HEADER, project="aelib", version="", copyright_holder="the aelib "
                       "authors", msgid_bugs_address="", last_translator="the aelib authors",
                       language_team="the aelib authors", fuzzy=False)
    with path.open("rb") as f:
        catalogue = read_po(f, locale=LANG, abort_invalid=True)
    for message in catalogue:
        _read_previous(message)
    return catalogue


def _read_previous(message) -> None:
    """Babel reads a fuzzy entry's previous English (``#| msgid …`` lines) as comments: make it the previous id."""
    from babel.messages.pofile import denormalize

    lines = [c[1:].strip() for c in message.user_comments if c.startswith("|")]
    if not lines:
        return
    message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
    text = "\n".join(lines)
    if text.startswith("msgid "):
        try:
            message.previous_id = [denormalize(text[len("msgid "):])]
        except (ValueError, IndexError):  # not a previous id Babel can read back: dropped, never kept as a comment
            message.previous_id = []


def write(catalogue, path: Path) -> None:
    """Write a catalogue atomically: entries in source order, the dead dropped, each line as its source has it."""
    from babel.messages.pofile import normalize, write_po

    catalogue.project, catalogue.version = "aelib", "0.1.0"
    catalogue.revision_date = catalogue.creation_date  # not Babel's "YEAR-MO-DA" placeholder
    for message in catalogue:
        message.flags.discard("python-format")  # Babel's guess from a "%" in the English: prose, not a format
        if not message.fuzzy:
            message.previous_id = []  # the previous English is kept only until the entry is brought in line
    buffer = io.BytesIO()
    write_po(buffer, catalogue, width=WIDTH, ignore_obsolete=True)
    text = re.sub(r'"Report-Msgid-Bugs-To: EMAIL@ADDRESS\\n"\n', "", buffer.getvalue().decode("utf-8"))  # no address
    for message in catalogue:  # Babel would re-wrap a previous id of several lines into one comment: written here
        if message.id and message.fuzzy and message.previous_id:
            entry = f"#, fuzzy\nmsgid {normalize(message.id, width=WIDTH)}\n"
            previous = "".join(f"#| {line}\n" for line in f"msgid {normalize(message.previous_id[0], width=WIDTH)}"
                               .splitlines())
            text = text.replace(entry, f"#, fuzzy\n{previous}msgid {normalize(message.id, width=WIDTH)}\n", 1)
    text = text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)


def template(domain: Domain):
    """The catalogue's template: one empty entry per unit (a text twice in a file is one entry, two places)."""
    from babel.messages.catalog import Catalog

    catalogue = Catalog(locale=LANG, project="aelib", fuzzy=False)
    for unit in domain.units:
        catalogue.add(unit.text, "", locations=[(unit.source, unit.place)])
    return catalogue


@dataclass
class Counts:
    translated: int = 0
    fuzzy: int = 0
    empty: int = 0
    removed: int = 0


def update(found: list[Domain], locale: Path = LOCALE) -> dict[str, Counts]:
    """Bring each catalogue in line with its units, like ``sphinx-intl update``: changed English → the old
    translation marked fuzzy with the previous English kept; new → empty; gone → removed. Returns the counts."""
    counts = {}
    for domain in found:
        path = domain.catalogue(locale)
        catalogue = read(path)
        before = {m.id for m in catalogue if m.id}
        previous = {m.id: m.previous_id for m in catalogue if m.id and m.fuzzy and m.previous_id}
        catalogue.update(template(domain), update_creation_date=False)
        for message in catalogue:  # Babel forgets the previous English of an entry still fuzzy from the last update
            if message.fuzzy and not message.previous_id and message.id in previous:
                message.previous_id = previous[message.id]
        catalogue.fuzzy = False  # the header: Babel marks a new catalogue's header fuzzy
        now = [m for m in catalogue if m.id]
        counts[domain.name] = Counts(
            translated=sum(bool(m.string) and not m.fuzzy for m in now),
            fuzzy=sum(m.fuzzy for m in now),
            empty=sum(not m.string for m in now),
            removed=len(before - {m.id for m in now}),
        )
        write(catalogue, path)
    return counts


# ----------------------------------------------------------------------------------------------------------------
# Drift and faithfulness


@dataclass(frozen=True)
class Term:
    english: str  # as the English writes it: "latent space"
    chinese: str  # 潜在空间
    checked: bool  # every unit that uses the English term uses this one
    note: str

    def used_in(self, english: str) -> bool:
        plain = re.sub(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\]\([^)]*\)", " ", english, flags=re.S)
        return re.search(rf"(?<![\w-]){re.escape(self.english)}", plain, flags=re.I) is not None


def glossary(path: Path = GLOSSARY) -> list[Term]:
    """The glossary: one term a row of ``locale/glossary.csv`` (english, chinese, checked, note)."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return [Term(r["english"], r["chinese"], r["checked"] == "yes", r["note"]) for r in csv.DictReader(f)]


KEPT = {  # what a translation keeps exactly as the English has it
    "numbers": re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*"),
    "code": re.compile(r"`[^`]+`"),  # a code span may run over a line break
    "formulas": re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", flags=re.S),
    "links": re.compile(r"\]\(([^)\s]+)\)"),
}


def unfaithful(english: str, chinese: str, terms: list[Term] = ()) -> list[str]:
    """What a translation changed that it must keep: numbers, code, formulas, link targets, heading levels, and the
    glossary's checked terms. Empty when it kept them all."""
    said = []
    for what, pattern in KEPT.items():
        found = [{" ".join(m.split()) for m in pattern.findall(text)} for text in (english, chinese)]
        missing = sorted(found[0] - found[1])
        if missing:
            said.append(f"{what} not kept: {', '.join(missing[:5])}")
    levels = [len(m) for m in re.findall(r"^(#+) ", english, flags=re.M)]
    if levels != [len(m) for m in re.findall(r"^(#+) ", chinese, flags=re.M)]:
        said.append(f"headings differ: the English has levels {levels}")
    if _broken_paragraph(chinese):
        said.append("a line break inside a Chinese paragraph: a page shows it as a space")
    for term in terms:
        if term.checked and term.used_in(english) and term.chinese not in chinese:
            said.append(f"glossary: '{term.english}' is {term.chinese} here")
    return said


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
STRUCTURE = re.compile(r"\s*([-*+] |\d+\. |#|\||>|\$\$|```|:::|<)")  # a line that starts a block of its own


def _broken_paragraph(text: str) -> bool:
    """Whether two lines of one paragraph meet at a Chinese character: Markdown joins them with a space."""
    lines, fenced = text.splitlines(), False
    for a, b in zip(lines, lines[1:], strict=False):
        fenced ^= a.lstrip().startswith("```")
        if fenced or not a.strip() or not b.strip() or STRUCTURE.match(b) or a.strip() in ("$$", "```"):
            continue
        if CJK.match(a[-1]) and CJK.match(b.lstrip()[0]):
            return True
    return False


def _shown(text: str, width: int = 100) -> str:
    line = " ".join(text.split())
    return repr(line if len(line) <= width else line[: width - 1] + "…")


def problems(found: list[Domain], locale: Path = LOCALE, terms: list[Term] | None = None) -> list[str]:
    """Every unit without a current, faithful translation, one line each: where it is, the English, what is wrong
    and what to do. Empty when the Chinese edition is complete and up to date."""
    terms = glossary() if terms is None else terms
    said = []
    for domain in found:
        path = domain.catalogue(locale)
        catalogue = read(path)
        shown = _relative(path, locale.parent)
        seen = set()
        for unit in domain.units:
            if unit.text in seen:  # one entry, said once
                continue
            seen.add(unit.text)
            entry = catalogue.get(unit.text)
            if entry is None:
                said.append(f"{unit.where()}: {_shown(unit.text)} has no entry in {shown}: run `make translations`, "
                            "then translate it")
            elif entry.fuzzy:
                said.append(f"{unit.where()}: the English changed to {_shown(unit.text)}; its translation in {shown} "
                            "is marked fuzzy: bring it in line, then remove the fuzzy flag")
            elif not entry.string:
                said.append(f"{unit.where()}: {_shown(unit.text)} is not translated yet in {shown}")
            else:
                for fault in unfaithful(unit.text, entry.string, terms):
                    said.append(f"{unit.where()}: {fault}, in {shown}'s translation of {_shown(unit.text, 60)}")
    return said


# ----------------------------------------------------------------------------------------------------------------
# Translating


def translator(name: str, locale: Path = LOCALE) -> Callable[[str], str]:
    """The translation of a text by the catalogue ``name``, or the text itself where it has none current."""
    table = {m.id: m.string for m in read(Domain(name, ()).catalogue(locale)) if m.id and m.string and not m.fuzzy}
    return lambda text: table.get(text, text)


def words(lang: str) -> Callable[[str], str]:
    """The site's words in ``lang``: the ``site`` catalogue's translation, or the English as it is."""
    return str if lang == EN else translator("site")


def translate_notebook(nb, translate: Callable[[str], str]):
    """A copy of a notebook with every Markdown cell translated; code cells and their outputs untouched."""
    import copy

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = translate(cell.source)
    nb.metadata.setdefault("aelib", {})["language"] = LANG
    return nb


def translate_markdown(text: str, translate: Callable[[str], str]) -> str:
    """A Markdown file with every prose block translated, the rest (code, comments, blank lines) as it is."""
    return "".join(translate(piece) if prose else piece for prose, _, piece in segments(text))


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(
        prog="python -m aelib translations",
        description="Update the Chinese catalogues in locale/ from the English source (make translations), or "
        "check that every unit is translated.",
    )
    p.add_argument("action", nargs="?", choices=["update", "check"], default="update")
    args = p.parse_args(argv)
    found = domains()
    if args.action == "update":
        for name, c in update(found).items():
            print(f"{name:40s} {c.translated:4d} translated, {c.fuzzy:3d} fuzzy, {c.empty:3d} empty, "
                  f"{c.removed:3d} removed")
    said = problems(found)
    for line in said:
        print(line)
    units = sum(len(d.units) for d in found)
    print(f"{len(said)} problem(s) in {units} units" if said else f"all {units} units translated and current")
    return 1 if said and args.action == "check" else 0
