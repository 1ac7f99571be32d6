"""Sparse autoencoders (lesson 10): many more latents than inputs, few of them active for any one input.

Both kinds share one shape (Bricken et al., "Towards Monosemanticity", 2023; Gao et al., "Scaling and evaluating
sparse autoencoders", 2024), for inputs ``x`` of ``d_in`` numbers (pixels, or a network's activations)::

    latents  f = act((x − b_dec) W_encᵀ + b_enc)       (N, n_latents), ≥ 0
    output   x̂ = f W_dec + b_dec                       (N, d_in)

- the rows of ``W_dec`` ``(n_latents, d_in)``, one per latent, its *direction*, have unit length: they are stored
  free and divided by their norm in every forward pass, so no latent can look small by growing its direction;
- ``W_enc`` starts as ``W_dec``'s transpose (each latent first reads the direction it writes);
- ``b_dec`` starts at the coordinate-wise median of the first training batch, so the latents describe how an input
  differs from a typical one (a data-dependent start, as Glow's ActNorm layers take from their first batch).

:class:`ReLUSAE` keeps the latents few with an L1 penalty, the term ``"l1"`` (Σ f per input), whose weight is
chosen by ``fit(..., term_weights={"l1": λ})``. :class:`TopKSAE` keeps exactly the ``k`` largest and adds
Gao et al.'s auxiliary term ``"auxk"``: the ``k_aux`` largest *dead* latents (no activity in the last
``dead_after`` training inputs) are asked to explain what the live ones missed, which gives them gradient and
revives them. Both follow the loss-terms protocol of :mod:`aelib.losses`, so :func:`aelib.train.fit` trains them
(``loss="mse"``) with no special case. Imports nothing else from ``aelib``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class SparseAutoencoder(nn.Module):
    """What both kinds share; a subclass defines :meth:`activate` (pre-activations → latents) and its terms.

    ``encode(x)``: inputs ``(N, d_in)`` (images ``(N, 1, 28, 28)`` when ``d_in`` is 784) → latents ``(N,
    n_latents)``. ``decode(f)`` → ``(N, d_in)``. ``forward(x)`` → the reconstruction, shaped like ``x``.
    ``directions`` → the unit decoder rows ``(n_latents, d_in)``.
    """

    def __init__(self, d_in: int, n_latents: int):
        super().__init__()
        d_in, n_latents = int(d_in), int(n_latents)
        if d_in < 1 or n_latents < 1:
            raise ValueError(f"need d_in >= 1 and n_latents >= 1, got {d_in} and {n_latents}.")
        self.d_in, self.n_latents, self.code_size, self.output = d_in, n_latents, n_latents, "none"
        directions = F.normalize(torch.randn(n_latents, d_in), dim=1)
        self.W_dec = nn.Parameter(directions.clone())  # rows: a norm over contiguous memory, fast on a CPU
        self.W_enc = nn.Parameter(directions.clone())  # the decoder's transpose, in x W_encᵀ
        self.b_enc = nn.Parameter(torch.zeros(n_latents))
        self.b_dec = nn.Parameter(torch.zeros(d_in))
        self.register_buffer("started", torch.tensor(False))  # b_dec taken from the data yet?

    @property
    def directions(self) -> torch.Tensor:
        """The decoder's rows at unit length, ``(n_latents, d_in)``: latent ``i`` adds ``f_i · directions[i]``."""
        return F.normalize(self.W_dec, dim=1)

    def _flat(self, x: torch.Tensor, where: str) -> torch.Tensor:
        flat = x.reshape(len(x), -1) if x.dim() > 2 else x
        if flat.dim() != 2 or flat.shape[1] != self.d_in:
            raise ValueError(f"{type(self).__name__}.{where} expected inputs of shape (N, {self.d_in}), "
                             f"got {tuple(x.shape)}.")
        if self.training and not bool(self.started):
            with torch.no_grad():
                self.b_dec.copy_(flat.median(dim=0).values)
                self.started.fill_(True)
        return flat

    def pre_activations(self, x: torch.Tensor) -> torch.Tensor:
        """``(x − b_dec) W_encᵀ + b_enc``, ``(N, n_latents)``: what each latent reads, before it is kept or not."""
        return (self._flat(x, "encode") - self.b_dec) @ self.W_enc.T + self.b_enc

    def activate(self, pre: torch.Tensor) -> torch.Tensor:
        """Pre-activations ``(N, n_latents)`` → latents of the same shape: the subclass's rule for which stay."""
        raise NotImplementedError(f"{type(self).__name__} must define activate(pre): use ReLUSAE or TopKSAE.")

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Inputs ``(N, d_in)`` → latents ``(N, n_latents)``, non-negative, mostly zero."""
        return self.activate(self.pre_activations(x))

    def decode(self, f: torch.Tensor, directions: torch.Tensor | None = None) -> torch.Tensor:
        """Latents ``(N, n_latents)`` → reconstructions ``(N, d_in)`` (``directions``: :attr:`directions`, if the
        caller has them already)."""
        if f.dim() != 2 or f.shape[1] != self.n_latents:
            raise ValueError(f"{type(self).__name__}.decode expected latents of shape (N, {self.n_latents}), "
                             f"got {tuple(f.shape)}.")
        return f @ (self.directions if directions is None else directions) + self.b_dec

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x)).view(x.shape)

    def extra_repr(self) -> str:  # part of str(model), which a checkpoint records as the run's layers
        return f"d_in={self.d_in}, n_latents={self.n_latents}"


class ReLUSAE(SparseAutoencoder):
    """Latents ``relu(pre)``; sparsity comes from the term ``"l1"``, the sum of an input's latents (with unit
    directions, the L1 norm Bricken et al. penalise). Weight 0 gives a plain overcomplete autoencoder."""

    def activate(self, pre: torch.Tensor) -> torch.Tensor:
        return F.relu(pre)

    def loss_terms(self, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """``(reconstruction, {"l1": (N,) sum of each input's latents})``."""
        f = self.encode(x)
        return self.decode(f).view(x.shape), {"l1": f.sum(1)}


class TopKSAE(SparseAutoencoder):
    """Latents: the ``k`` largest pre-activations of each input (through a ReLU), every other one 0 (Gao et al.).

    The term ``"auxk"`` (per input, the mean squared error per input number, like ``loss="mse"``): the residual
    ``e = x − x̂`` (held fixed) against ``ê``, what the ``k_aux`` largest dead latents decode to (no bias). A latent
    is dead when it was not active for the last ``dead_after`` training inputs; ``samples_since_active`` counts
    them (a buffer, saved with the model). Gao et al. weigh the term 1/32 and take ``k_aux = d_in / 2``.
    """

    def __init__(self, d_in: int, n_latents: int, k: int, k_aux: int | None = None, dead_after: int = 10_000):
        super().__init__(d_in, n_latents)
        self.k, self.k_aux, self.dead_after = int(k), int(k_aux if k_aux is not None else d_in // 2), int(dead_after)
        if not 1 <= self.k <= self.n_latents or self.k_aux < 1 or self.dead_after < 1:
            raise ValueError(f"need 1 <= k <= n_latents ({n_latents}), k_aux >= 1 and dead_after >= 1; got k={k}, "
                             f"k_aux={k_aux}, dead_after={dead_after}.")
        self.register_buffer("samples_since_active", torch.zeros(self.n_latents, dtype=torch.int64))

    def activate(self, pre: torch.Tensor) -> torch.Tensor:
        top = pre.topk(self.k, dim=1)
        return torch.zeros_like(pre).scatter(1, top.indices, F.relu(top.values))

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, k={self.k}, k_aux={self.k_aux}, dead_after={self.dead_after}"

    @property
    def dead(self) -> torch.Tensor:
        """``(n_latents,)`` bool: inactive for the last ``dead_after`` training inputs."""
        return self.samples_since_active >= self.dead_after

    def loss_terms(self, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """``(reconstruction, {"auxk": (N,)})``; in training mode it also updates which latents are dead."""
        pre = self.pre_activations(x)
        f = self.activate(pre)
        directions = self.directions
        recon = self.decode(f, directions)
        if self.training:
            with torch.no_grad():
                self.samples_since_active += len(x)
                self.samples_since_active[(f > 0).any(0)] = 0
        dead = self.dead.nonzero().squeeze(1)
        if len(dead) == 0:
            return recon.view(x.shape), {"auxk": recon.new_zeros(len(x))}
        residual = (x.reshape(recon.shape) - recon).detach()  # x's shape was checked by pre_activations
        pre_dead = pre[:, dead]  # only the dead latents' columns: usually few, and a top-k over them is cheap
        if len(dead) > self.k_aux:
            top = pre_dead.topk(self.k_aux, dim=1)
            pre_dead = torch.full_like(pre_dead, float("-inf")).scatter(1, top.indices, top.values)
        aux = F.relu(pre_dead) @ directions[dead]
        return recon.view(x.shape), {"auxk": (aux - residual).square().mean(1)}
