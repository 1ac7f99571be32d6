"""How far do the lessons' printed numbers move when the float path changes? The measurement behind nbval-approx.

Float32 kernels round differently on different CPUs; on one machine, environment variables switch torch onto other
kernels, which is how portability is tested without a second machine:

    python benchmarks/float_paths.py run              # execute every lesson under each float path (sequentially)
    python benchmarks/float_paths.py run aten 04 06   # one path, some lessons
    python benchmarks/float_paths.py compare          # the table: largest relative move per lesson, and any flip

``run`` writes executed copies to ``build/float-paths/<path>/`` (each path with its own checkpoint folder, so lesson
06 uses models trained on that path). ``compare`` reads them beside the stored outputs in ``notebooks/`` and, cell
by cell, masks the decimal numbers the way tests/nbval_approx.py does: it reports the largest relative move of any
number in the tagged cells, the untagged cells whose output moved (they would fail nbval), and the cells whose text
around the numbers changed (a flipped discrete fact, which no tolerance may hide).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.nbval_approx import TAG, mask  # noqa: E402  the same number pattern as the comparison itself

OUT = REPO / "build" / "float-paths"
# What each setting does, measured on the session machines (docs/testing.md):
PATHS = {
    "default": {},
    # MKL's conditional numerical reproducibility mode: its SSE2-compatible code path, another sgemm kernel.
    # (MKL_ENABLE_INSTRUCTIONS=AVX2 switches sgemm on AVX-512 CPUs; on an AVX2-only CPU it changes nothing.)
    "mkl": {"MKL_CBWR": "COMPATIBLE"},
    # ATen's vectorized CPU kernels off: elementwise ops, activations, reductions, Adam, torch.randn. It moves every
    # lesson that trains, three of them (03, 04, 06) more than any other path, at 1.3x the default's time (all:
    # 1.85x): `make test`'s second nbval pass.
    "aten": {"ATEN_CPU_CAPABILITY": "default"},
    # On an AVX-512 CPU: every library held to its AVX2 kernels — what an AVX2-only CPU (Zen 1, older Xeons) runs.
    # (On an AVX2-only CPU it is the default path.)
    "avx2": {"MKL_ENABLE_INSTRUCTIONS": "AVX2", "ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    # oneDNN (the convolutions) limited to SSE4.1 kernels.
    "onednn": {"ONEDNN_MAX_CPU_ISA": "SSE41"},
    # all of them at once. (Lesson 04 at 2.2x the default's time: oneDNN's SSE4.1 and AVX convolutions are both slow.)
    "all": {
        "MKL_CBWR": "COMPATIBLE",
        "MKL_ENABLE_INSTRUCTIONS": "AVX2",
        "ATEN_CPU_CAPABILITY": "default",
        "ONEDNN_MAX_CPU_ISA": "SSE41",
    },
}


def run(path: str, lessons: list[str]) -> None:
    out = OUT / path
    env = {**os.environ, **PATHS[path], "AELIB_CHECKPOINTS": str(out / "checkpoints")}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "aelib", "course", "--build", str(out), *lessons], env=env, check=True, cwd=REPO
    )
    print(f"{path}: {time.perf_counter() - start:.0f} s", flush=True)


def sanitizer():
    from nbval.plugin import get_sanitize_patterns

    patterns = get_sanitize_patterns((REPO / "tests" / "nbval_sanitize.cfg").read_text())

    def sanitize(text: str) -> str:
        for regex, replace in patterns:
            text = re.sub(regex, replace, text)
        return text

    return sanitize


def texts(outputs) -> dict[str, list[str]]:
    """A cell's compared texts per key (stream name or MIME type), as nbval groups them (images, widgets out)."""
    from nbval.plugin import coalesce_streams

    skip = {"image/png", "image/jpeg", "application/vnd.jupyter.widget-view+json"}
    found: dict[str, list[str]] = {}
    for out in coalesce_streams(copy.deepcopy(outputs)):  # it merges streams in place
        if out.output_type == "stream":
            found.setdefault(out.name, []).append(out.text)
        for key, value in out.get("data", {}).items():
            if key not in skip and isinstance(value, str):
                found.setdefault(key, []).append(value)
    return found


def compare_cell(stored, new, sanitize) -> tuple[str, float, str]:
    """('same' | 'moved' | 'text', largest relative move, a note) for one cell's outputs."""
    a, b = texts(stored), texts(new)
    a = {k: [sanitize(t) for t in v] for k, v in a.items()}
    b = {k: [sanitize(t) for t in v] for k, v in b.items()}
    if a == b:
        return "same", 0.0, ""
    largest, note = 0.0, ""
    if set(a) != set(b) or any(len(a[k]) != len(b[k]) for k in a):
        return "text", 0.0, f"outputs differ: {sorted(a)} vs {sorted(b)}"
    for key in a:
        for sa, sb in zip(a[key], b[key], strict=True):
            (ma, na), (mb, nb) = mask(sa), mask(sb)
            if ma != mb:
                la, lb = ma.splitlines(), mb.splitlines()
                diff = next(((x, y) for x, y in zip(la, lb, strict=False) if x != y), (ma[-80:], mb[-80:]))
                return "text", 0.0, f"{diff[0].strip()[:100]!r} -> {diff[1].strip()[:100]!r}"
            for x, y in zip(na, nb, strict=True):
                move = abs(y - x) / abs(x) if x else (0.0 if y == x else float("inf"))
                if move > largest:
                    largest, note = move, f"{x:g} -> {y:g}"
    return "moved", largest, note


def compare(paths: list[str]) -> int:
    import nbformat

    sanitize = sanitizer()
    rows, problems = [], []
    for stored_path in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        stored_nb = nbformat.read(stored_path, as_version=4)
        row = {"lesson": stored_path.name[:2]}
        for path in paths:
            new_path = OUT / path / stored_path.name
            if not new_path.exists():
                row[path] = None
                continue
            new_nb = nbformat.read(new_path, as_version=4)
            largest = (0.0, "")
            for i, (c, d) in enumerate(zip(stored_nb.cells, new_nb.cells, strict=True)):
                if c.cell_type != "code" or "nbval-ignore-output" in c.metadata.get("tags", []):
                    continue
                kind, move, note = compare_cell(c.outputs, d.outputs, sanitize)
                tagged = TAG in c.metadata.get("tags", [])
                if kind == "text":
                    problems.append(f"{stored_path.name} cell {i} [{path}]: text changed: {note}")
                elif kind == "moved" and not tagged:
                    where = f"{stored_path.name} cell {i} [{path}]"
                    problems.append(f"{where}: untagged, moved {100 * move:.2f} % ({note})")
                elif kind == "moved" and move > largest[0]:
                    largest = (move, f"cell {i}: {note}")
            row[path] = largest
        rows.append(row)
    print("largest relative move of any number in a tagged cell, against the stored outputs in notebooks/:")
    print("lesson  " + "  ".join(f"{p:>26s}" for p in paths))
    for row in rows:
        cells = []
        for p in paths:
            v = row[p]
            cells.append(f"{'not run':>26s}" if v is None else f"{100 * v[0]:6.2f} % {v[1][:16]:>17s}")
        print(f"{row['lesson']:6s}  " + "  ".join(cells))
    overall = max((row[p][0] for row in rows for p in paths if row[p]), default=0.0)
    print(f"largest move overall: {100 * overall:.2f} %")
    print("\nas a Markdown table:\n| lesson | " + " | ".join(paths) + " |\n|---|" + "---|" * len(paths))
    for row in rows:
        moves = ("—" if row[p] is None else f"{100 * row[p][0]:.2f} %" for p in paths)
        print(f"| {row['lesson']} | " + " | ".join(moves) + " |")
    for line in problems:
        print("PROBLEM:", line)
    (OUT / "compare.json").write_text(json.dumps({"rows": rows, "problems": problems}, indent=1))
    return 1 if problems else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("path", nargs="?", choices=list(PATHS), help="one float path (default: every one but 'default')")
    r.add_argument("lessons", nargs="*")
    c = sub.add_parser("compare")
    c.add_argument("paths", nargs="*", default=[p for p in PATHS if p != "default"])
    args = p.parse_args()
    if args.cmd == "run":
        for path in [args.path] if args.path else [p for p in PATHS if p != "default"]:
            run(path, args.lessons)
        return 0
    return compare(args.paths)


if __name__ == "__main__":
    raise SystemExit(main())
