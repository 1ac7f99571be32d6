"""How long one update of each lesson-06, 07, 09 and 10 widget takes in the kernel: set a control's ``.value``, time
until the observers have run (they run synchronously inside the assignment), median over ``--repeat`` updates.

    .venv/bin/python benchmarks/widget_latency.py              # the course's trained models (load_or_train)
    .venv/bin/python benchmarks/widget_latency.py --untrained  # same architectures, untrained: no checkpoints needed

What is timed is the kernel side (compute + PNG encoding + handing the bytes to the widget); the browser then
only swaps an image. The target is < 100 ms per update on a 2-core CPU. For comparison, the last line times the
naive way to move the scatter marker: ``set_offsets`` on a matplotlib figure and re-drawing it.
Run on a quiet machine: another busy process can make every number several times larger.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from aelib import data, detection, models, oneclass, plots, recipes  # noqa: E402
from aelib import subjects as subjects_  # noqa: E402  (the function below is named subjects)
from aelib import widgets as wd  # noqa: E402


def time_updates(control, values, repeat: int) -> tuple[float, float]:
    """Median and 90th percentile (ms) of setting ``control.value`` to successive ``values``."""
    times = []
    for i in range(repeat):
        value = values[i % len(values)]
        t0 = time.perf_counter()
        control.value = value
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), float(np.percentile(times, 90))


def sweep(control, n: int = 20) -> list:
    """``n`` distinct values across a slider's range (never the current one, so every set triggers an update)."""
    lo, hi = control.min, control.max
    values = list(np.linspace(lo, hi, n + 1)[1:])
    if isinstance(control.value, int):
        values = sorted({int(round(v)) for v in values} - {control.value})
    return [type(control.value)(v) for v in values]


def subjects(untrained: bool) -> dict[str, subjects_.Subject]:
    if not untrained:
        return {r.name: subjects_.load_subject(r.name) for r in (recipes.DEEP_MNIST, recipes.FASHION_3D)}
    torch.manual_seed(0)
    out = {}
    for r in (recipes.DEEP_MNIST, recipes.FASHION_3D):
        images, labels = data.load(r.dataset, "test")
        out[r.name] = subjects_.Subject(r.name, r.model().eval(), images, labels, r.scale, data.class_names(r.dataset))
    return out


def denoisers(untrained: bool) -> dict:
    if not untrained:
        return None  # the widget's defaults: conv, U-Net (load_or_train) and the cached linear baseline
    torch.manual_seed(0)
    return {"conv denoiser": models.ConvDenoiser().eval(), "U-Net": models.UNetDenoiser().eval()}


def one_class_run(untrained: bool) -> oneclass.OneClassScores:
    """Lesson 09's MNIST 8s: their trained model's scores, or an untrained model's (the same sizes, no training)."""
    if not untrained:
        return oneclass.score_class("mnist", 8)
    torch.manual_seed(0)
    model = models.one_class_autoencoder().eval()
    test_images, test_labels = data.load("mnist", "test")
    held_out, _ = recipes.ONE_CLASS["mnist", 8].images("held_out")
    run = oneclass.OneClassScores("mnist", 8, model, None, test_labels)
    key = ("autoencoder", "smoothed MSE")
    run.scores = {key: detection.reconstruction_scores(model, test_images, smooth=True)}
    run.held_out = {key: detection.reconstruction_scores(model, held_out, smooth=True)}
    return run


def sae_parts(untrained: bool) -> tuple[torch.nn.Module, torch.nn.Module]:
    """Lesson 10's SAE and classifier: trained (load_or_train), or untrained ones of the same sizes."""
    if not untrained:
        return recipes.load_or_train(recipes.SAE_TOPK, progress=False), recipes.classifier()
    torch.manual_seed(0)
    return models.TopKSAE(256, 512, 16).eval(), models.MLPClassifier(256).eval()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="updates per widget (default 20)")
    parser.add_argument("--untrained", action="store_true", help="untrained models: no checkpoints, no training")
    parser.add_argument("--threads", type=int, default=2, help="torch threads, as the lessons set (default 2)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    subs = subjects(args.untrained)
    deep, fashion = subs["deep_mnist"], subs["fashion_3d"]

    browser = wd.reconstruction_browser({"deep_mnist": deep, "fashion_3d": fashion})
    explorer = wd.latent_explorer(fashion)
    explorer10 = wd.latent_explorer(deep)
    interp = wd.interpolation_explorer(deep)
    lab = wd.denoising_lab(denoisers(args.untrained))
    if args.untrained:
        torch.manual_seed(0)
        sizes = wd.code_size_explorer({k: r.model().eval() for k, r in recipes.CODE_SIZE_SWEEP.items()})
    else:
        sizes = wd.code_size_explorer()
    thresholds = wd.threshold_explorer(one_class_run(args.untrained))
    test_images, test_labels = data.load("mnist", "test")
    feature_view = wd.feature_explorer(*sae_parts(args.untrained), test_images, test_labels)

    rows = [
        ("reconstruction browser: test image slider", browser.controls["index"]),
        ("latent explorer (3-d fashion): z1 slider", explorer.controls["z1"]),
        ("latent explorer (10-d MNIST): z1 slider", explorer10.controls["z1"]),
        ("interpolation: t slider", interp.controls["t"]),
        ("interpolation: new image A (re-encode, path strip)", interp.controls["a"]),
        ("denoising lab: sigma slider", lab.controls["sigma"]),
        ("denoising lab: test image slider", lab.controls["index"]),
        ("code size explorer: test image slider", sizes.controls["index"]),
        ("code size explorer: k slider", sizes.controls["k"]),
        ("threshold explorer (09): false-alarm slider", thresholds.controls["rate"]),
        ("feature explorer (10): feature slider", feature_view.controls["feature"]),
        ("feature explorer (10): strength slider", feature_view.controls["amount"]),
    ]
    print(f"torch threads {torch.get_num_threads()}, {args.repeat} updates each, models "
          f"{'untrained' if args.untrained else 'trained (load_or_train)'}")  # fmt: skip
    print(f"{'widget update':55s} {'median ms':>10s} {'p90 ms':>8s}")
    for name, control in rows:
        if name.startswith("interpolation: new image"):
            values = list(range(10, 10 + args.repeat))
        elif name.endswith("k slider"):
            values = [k for k in control.options if k != control.value] + [control.value]
        else:
            values = sweep(control, args.repeat)
        med, p90 = time_updates(control, values, args.repeat)
        print(f"{name:55s} {med:10.1f} {p90:8.1f}")

    # The naive alternative for the scatter: keep the figure, move the marker with set_offsets, redraw, encode.
    codes = fashion.codes()[:3000]
    fig = plots.plot_codes(codes, fashion.labels[:3000], fashion.class_names, marker=codes[0])
    fig.set_size_inches(5.6, 4.4)
    fig.set_dpi(80)
    marker = next(c for c in fig.axes[0].collections if c.get_gid() == "marker")
    times = []
    for i in range(min(args.repeat, 10)):
        t0 = time.perf_counter()
        x, y, z = codes[i + 1]
        marker._offsets3d = ([x], [y], [z])  # a 3-D collection's set_offsets
        fig.canvas.draw()
        wd.to_png(np.asarray(fig.canvas.buffer_rgba())[..., :3], zoom=1)
        times.append((time.perf_counter() - t0) * 1e3)
    print(f"{'(for comparison) 3-D scatter: move marker + full redraw':55s} {statistics.median(times):10.1f} "
          f"{float(np.percentile(times, 90)):8.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
