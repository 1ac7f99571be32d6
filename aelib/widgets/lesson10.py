"""Lesson 10's explorer: choose a feature of a sparse autoencoder trained on a classifier's hidden layer; see the
images it fires on, the digits its direction votes for, and what adding or removing it does to one image's verdict.

What it computes is :mod:`aelib.features` (top images, class purity, logit effects) and the classifier's head; what
it is drawn with is :mod:`aelib.widgets.base`.
"""

from __future__ import annotations

import html

import ipywidgets as W
import numpy as np
import torch

from aelib import features, plots
from aelib.widgets.base import INFO, LabWidget, caption, light, to_png

__all__ = ["feature_explorer"]

SHOWN = 12  # top images in the explorer's row


def _bars(values: np.ndarray, title: str, lo: float, hi: float) -> str:
    """An HTML bar per class (0–9), positive ones orange, negative blue, on a shared scale ``lo … hi``."""
    span = max(hi - lo, 1e-12)
    zero = -lo / span * 100
    cells = []
    for c, v in enumerate(values):
        left, width = (zero, v / span * 100) if v >= 0 else (zero + v / span * 100, -v / span * 100)
        colour = "#f28e2b" if v >= 0 else "#4e79a7"
        cells.append(
            f"<div style='display:flex;align-items:center;height:16px'><span style='width:14px'>{c}</span>"
            f"<div style='position:relative;width:150px;height:11px;background:#f2f2f2'>"
            f"<div style='position:absolute;left:{left:.1f}%;width:{width:.1f}%;height:11px;background:{colour}'>"
            f"</div></div><span style='margin-left:6px'>{v:+.2f}</span></div>")
    return f"<div style='font-size:11px;line-height:1.2'><b>{html.escape(title)}</b>{''.join(cells)}</div>"


def feature_explorer(
    sae: torch.nn.Module, classifier: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor,
    feature: int | None = None, top: int = 20,
) -> LabWidget:
    """A slider over the SAE's live features (those active on some of ``images``), ordered by the digit they are
    most often found on and then by purity. For the chosen feature: its strongest images, its purity, the change
    in each logit when its direction is added to the hidden layer, and for one image (a second slider over the
    feature's ``top`` strongest ones and the images of other classes) the classifier's probabilities with the
    feature as it is, removed, or added at a chosen strength.

    ``sae``: an SAE on ``classifier``'s hidden layer (``encode``, ``directions``); ``classifier``: ``hidden`` and
    ``head``; ``images``, ``labels``: the test set (uint8 ``(N, 28, 28)``, ``(N,)``). ``feature``: the one to show
    first (default: the first in the order). ``w.values``: ``feature``, ``purity``, ``majority``, ``votes_for``
    (the digit its direction raises most), ``activation`` (its value on the chosen image), ``before`` /
    ``after`` (the chosen image's probabilities, lists of 10), ``predicted_before`` / ``predicted_after``.
    """
    labels = torch.as_tensor(labels)
    if len(images) != len(labels):
        raise ValueError(f"got {len(images)} images and {len(labels)} labels: give one label per image.")
    hidden = features.hidden_all(classifier, images)
    acts = features.latents(sae, hidden)
    live = torch.nonzero(acts.amax(0) > 0).flatten()
    if len(live) == 0:
        raise ValueError("no feature of this SAE is active on these images.")
    ranked = features.top_activating(acts[:, live], top)
    purity, majority = features.class_purity(ranked, labels)
    order = np.lexsort((-purity.numpy(), majority.numpy()))  # by digit, the purest first
    live, ranked, purity, majority = live[order], ranked[order], purity[order], majority[order]
    effects = features.logit_effect(sae, classifier)
    directions = sae.directions.detach().cpu()
    head = classifier.head
    device = next(head.parameters()).device
    where = np.nonzero(live.numpy() == feature)[0] if feature is not None else np.zeros(1, dtype=np.int64)
    if len(where) == 0:
        raise ValueError(f"feature {feature} is not active on any of these images: choose one of the {len(live)} "
                         "live ones.")
    start = int(where[0])

    pick = W.IntSlider(value=start, min=0, max=len(live) - 1, description="feature", continuous_update=True,
                       layout=W.Layout(width="480px"))
    which = W.IntSlider(value=0, min=0, max=2 * top - 1, description="image", continuous_update=True,
                        layout=W.Layout(width="480px"))
    amount = W.FloatSlider(value=0.0, min=-3.0, max=3.0, step=0.25, description="add ×", continuous_update=True,
                           layout=W.Layout(width="480px"))
    strip, one = W.Image(format="png"), W.Image(format="png")
    strip_label, one_label = W.HTML(), W.HTML()
    effect_box, before_box, after_box, info = W.HTML(), W.HTML(), W.HTML(), W.HTML()
    w = LabWidget("feature explorer", [pick, strip_label, strip,
                                       W.HBox([W.VBox([one_label, one]), effect_box, before_box, after_box]),
                                       which, amount, info])
    w.controls.update(feature=pick, image=which, amount=amount)
    w.views.update(top=strip, image=one)

    @light
    def update(_change=None) -> None:
        i = int(pick.value)
        f = int(live[i])
        strongest = ranked[i]
        others = torch.nonzero(labels != majority[i]).flatten()[:top]  # images of other classes, first ones
        candidates = torch.cat([strongest, others])
        idx = int(candidates[min(int(which.value), len(candidates) - 1)])
        grid = plots.make_grid_image(images[strongest[:SHOWN]], nrow=SHOWN)
        w._show("top", grid, to_png(grid, zoom=2))
        picture = images[idx].float().numpy() / 255.0
        w._show("image", picture, to_png(picture, zoom=4))
        a = float(acts[idx, f])
        typical = float(acts[strongest, f].mean())
        h = hidden[idx]
        with torch.no_grad():
            removed = h - a * directions[f]
            changed = removed + float(amount.value) * typical * directions[f]
            before = torch.softmax(head(h[None].to(device)), 1)[0].cpu().numpy()
            after = torch.softmax(head(changed[None].to(device)), 1)[0].cpu().numpy()
        e = effects[f].numpy()
        m = float(np.abs(e).max()) or 1.0
        effect_box.value = _bars(e, "logit effect of its direction", -m, m)
        before_box.value = _bars(before, "probabilities, as is", 0.0, 1.0)
        after_box.value = _bars(after, f"feature removed, then added ×{amount.value:g}", 0.0, 1.0)
        strip_label.value = caption(f"feature {f}: its {SHOWN} strongest test images",
                                    f"{purity[i]:.0%} of its top {top} are {int(majority[i])}s")
        one_label.value = caption(f"image {idx} (a {int(labels[idx])})", f"feature value {a:.2f}")
        w.values.update(feature=f, purity=float(purity[i]), majority=int(majority[i]), votes_for=int(e.argmax()),
                        activation=a, before=before.tolist(), after=after.tolist(),
                        predicted_before=int(before.argmax()), predicted_after=int(after.argmax()))
        info.value = (
            f"{INFO}Feature <b>{f}</b> fires on {int((acts[:, f] > 0).sum()):,} of the {len(images):,} test images; "
            f"its direction raises the logit of <b>{int(e.argmax())}</b> most. On this image it is "
            f"{a:.2f} (its top images average {typical:.2f}). Removing it and adding {amount.value:g} × that "
            f"average moves the prediction from <b>{int(before.argmax())}</b> ({before.max():.0%}) to "
            f"<b>{int(after.argmax())}</b> ({after.max():.0%}).</div>")
        w.updates += 1

    for control in (pick, which, amount):
        control.observe(update, names="value")
    update()
    return w
