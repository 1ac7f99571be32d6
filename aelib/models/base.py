"""What every model of the course shares: the shape checks, the activation tables, and two ways to look at a model
(its parameter count, its layers' output shapes). Imports nothing else from ``aelib``."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

PIXELS = 28 * 28
ACTIVATIONS = {"relu": nn.ReLU, "elu": nn.ELU, "sigmoid": nn.Sigmoid}
OUTPUTS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "none": nn.Identity}


def _check_images(x: torch.Tensor, where: str, flat_ok: bool) -> None:
    """Raise a ValueError unless ``x`` is ``(N, 1, 28, 28)`` (or ``(N, 784)`` when ``flat_ok``)."""
    ok = x.dim() == 4 and tuple(x.shape[1:]) == (1, 28, 28)
    ok = ok or (flat_ok and x.dim() == 2 and x.shape[1] == PIXELS)
    if not ok:
        expected = "(N, 1, 28, 28) or (N, 784)" if flat_ok else "(N, 1, 28, 28)"
        raise ValueError(f"{where} expected images of shape {expected}, got {tuple(x.shape)}.")


def _check_codes(z: torch.Tensor, where: str, shapes: Sequence[tuple[int, ...]]) -> None:
    """Raise a ValueError unless ``z`` is ``(N, *shape)`` for one of ``shapes``."""
    if not any(tuple(z.shape[1:]) == s for s in shapes):
        expected = " or ".join("(N, " + ", ".join(map(str, s)) + ")" for s in shapes)
        raise ValueError(f"{where} expected codes of shape {expected}, got {tuple(z.shape)}.")


def _pick(table: dict, name: str, what: str) -> type[nn.Module]:
    if name not in table:
        raise ValueError(f"unknown {what} {name!r}; valid: {', '.join(table)}.")
    return table[name]


def layer_shapes(model: nn.Module, x: torch.Tensor) -> list[tuple[str, tuple[int, ...]]]:
    """Run ``x`` through ``model`` and list ``(name, output shape)`` of every leaf module, in call order.

    Uses forward hooks on the leaf modules (removed afterwards); runs under ``torch.no_grad``. For
    :class:`ConvDenoiser` and a batch ``(N, 1, 28, 28)`` the spatial sizes go 28→14→7→3→7→14→28.
    """
    shapes: list[tuple[str, tuple[int, ...]]] = []
    hooks = []
    for name, module in model.named_modules():
        if name and not any(module.children()):  # leaves only: a Sequential's output repeats its last layer's

            def hook(_module: nn.Module, _inputs: tuple, out: torch.Tensor, name: str = name) -> None:
                shapes.append((name, tuple(out.shape)))

            hooks.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    return shapes


def count_parameters(model: nn.Module) -> int:
    """The number of trainable numbers (weights and biases with ``requires_grad``) in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
