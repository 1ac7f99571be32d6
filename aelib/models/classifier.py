"""The small classifier lesson 10 looks inside: 784 → 256 (ReLU) → 10 logits. Imports nothing else from ``aelib``
but the shape check."""

from __future__ import annotations

import torch
from torch import nn

from aelib.models.base import PIXELS, _check_images


class MLPClassifier(nn.Module):
    """Images → ``hidden`` ReLU units → ``n_classes`` logits, in two named steps so the layer between can be read
    and replaced: ``forward(x) = head(hidden(x))``.

    - ``hidden(x)``: images ``(N, 1, 28, 28)`` or ``(N, 784)``, float in [0, 1] → activations ``(N, hidden_size)``,
      non-negative;
    - ``head(h)``: activations ``(N, hidden_size)`` → logits ``(N, n_classes)`` (an ``nn.Linear``, so adding a
      direction ``d`` to ``h`` moves the logits by exactly ``head.weight @ d``).
    """

    def __init__(self, hidden_size: int = 256, n_classes: int = 10):
        super().__init__()
        self.hidden_size, self.n_classes = int(hidden_size), int(n_classes)
        self.layer = nn.Linear(PIXELS, self.hidden_size)
        self.head = nn.Linear(self.hidden_size, self.n_classes)

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, f"{type(self).__name__}.hidden", flat_ok=True)
        return torch.relu(self.layer(x.reshape(len(x), PIXELS)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.hidden(x))
