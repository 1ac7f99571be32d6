"""Command line, the one entry of every subcommand: ``python -m aelib data info|fetch|verify|csv``, ``challenge``,
and the course's tools: ``course``, ``book``, ``student``, ``translations``, ``bench``.

Thin on purpose: it parses arguments and calls the modules that do the work. The tools (``aelib.tools``) parse their
own options and are imported only when their command runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from aelib import data


def _datasets(args: argparse.Namespace) -> list[str]:
    if args.all or not args.dataset:
        return list(data.DATASETS)
    return [data.spec(args.dataset).name]


def cmd_info(args: argparse.Namespace) -> int:
    print(data.info())
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    for name in _datasets(args):
        folder = data.fetch(name)
        print(f"{name}: ready in {folder}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    ok = True
    for name in _datasets(args):
        for f, state in data.file_status(name).items():
            print(f"{name:14s} {f:26s} {state}")
            ok &= state == "ok"
    if not ok:
        print("Some files are missing or corrupt: run `python -m aelib data fetch --all`.", file=sys.stderr)
    return 0 if ok else 1


def cmd_csv(args: argparse.Namespace) -> int:
    path = data.export_csv(args.dataset, args.split, args.out, limit=args.limit)
    print(f"wrote {path}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from aelib.tools import bench

    return bench.main(args)


# Subcommands whose module parses its own options (see ``<command> --help``): name → (module, what it does).
TOOLS = {
    "course": ("aelib.tools.course", "execute every lesson, then build the site in build/course/ (make course)"),
    "book": ("aelib.tools.book", "build the site from the stored outputs, no execution (make docs); `book fetch`"),
    "student": ("aelib.tools.student", "classroom copies and the teacher guide in build/student/ (make student); "
                "--grade"),
    "translations": ("aelib.tools.i18n", "update the Chinese catalogues in locale/ from the English (make "
                     "translations); `translations check`"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m aelib", description=__doc__.splitlines()[0])
    top = parser.add_subparsers(dest="command", required=True)

    d = top.add_parser("data", help="the dataset cache").add_subparsers(dest="action", required=True)
    d.add_parser("info", help="where the cache is and the state of every file").set_defaults(func=cmd_info)
    for action, func, text in (("fetch", cmd_fetch, "fetch and verify"), ("verify", cmd_verify, "check MD5s")):
        p = d.add_parser(action, help=f"{text} (default: all datasets)")
        p.add_argument("dataset", nargs="?", choices=list(data.DATASETS))
        p.add_argument("--all", action="store_true", help="every dataset (the default)")
        p.set_defaults(func=func)
    c = d.add_parser("csv", help="export a split as CSV: label, pixel0..pixel783 (0-255), with a header")
    c.add_argument("dataset", choices=list(data.DATASETS))
    c.add_argument("split", choices=list(data.SPLITS))
    c.add_argument("out", help="output .csv path")
    c.add_argument("--limit", type=int, default=None, help="first N rows only")
    c.set_defaults(func=cmd_csv)

    for name, (_, text) in TOOLS.items():
        top.add_parser(name, help=f"{text} (see {name} --help)")

    from aelib import challenge

    challenge.add_parser(top)

    b = top.add_parser("bench", help="trainer vs naive DataLoader loop, and FLOP/s vs sgemm")
    b.add_argument("--quick", action="store_true", help="fewer batches (a smoke run, not for the README)")
    b.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] and argv[0] in TOOLS:
        return importlib.import_module(TOOLS[argv[0]][0]).main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (data.DataError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
