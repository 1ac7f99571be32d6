"""Lesson 08 (the variational autoencoder): the checks of ``notebooks/08_variational_autoencoder.ipynb``'s exercises.

See :mod:`aelib.exercises.feedback` for how a check reports (``✓ Correct: …`` or an :class:`ExerciseError`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from aelib.exercises.feedback import as_tensor, call, check, choice, fail, ok

__all__ = ["check_beta_zero_prediction", "check_kl_divergence", "check_reparameterize"]


def _case(n: int, k: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, k, generator=g) * 2, torch.randn(n, k, generator=g)


@check
def check_reparameterize(reparameterize: Callable, hidden: bool = False) -> None:
    """``reparameterize(mean, logvar)``: a sample of ``N(mean, exp(logvar))`` per entry, ``(N, k)`` like its
    arguments, through which gradients reach both ``mean`` and ``logvar``."""
    __tracebackhide__ = True

    hint = "std = torch.exp(0.5 * logvar); eps = torch.randn_like(std); return mean + std * eps."
    means = [1.5, -3.0] if not hidden else [0.0, 10.0, -0.5]
    stds = [0.5, 2.0] if not hidden else [1.0, 0.1, 3.0]
    n = 40_000
    mean = torch.tensor(means).repeat(n, 1).requires_grad_()
    logvar = torch.tensor([math.log(s**2) for s in stds]).repeat(n, 1).requires_grad_()
    torch.manual_seed(5 if not hidden else 6)  # @check runs this on an RNG of its own: the notebook's is untouched
    z = as_tensor(call(reparameterize, mean, logvar, shown="reparameterize(mean, logvar)", hint=hint),
                  "`reparameterize(mean, logvar)`")
    if z.shape != mean.shape:
        fail(f"`reparameterize(mean, logvar)` returned shape {tuple(z.shape)}; expected {tuple(mean.shape)}: one "
             "sample per entry of mean.")
    if not z.requires_grad:
        fail("The sample carries no gradient: no training signal could reach the encoder through it. Hint: do not "
             "sample z itself (torch.normal, .detach(), torch.no_grad); draw eps ~ N(0, 1) and compute "
             "mean + std * eps from the network's outputs.")
    got_mean, got_std = z.detach().mean(0), z.detach().std(0)
    want_mean, want_std = torch.tensor(means), torch.tensor(stds)
    if not torch.allclose(got_mean, want_mean, atol=0.05 * want_std.max().item() + 0.02):
        fail(f"The samples' means are {[round(v, 2) for v in got_mean.tolist()]}; expected {means}. Hint: {hint}")
    if not torch.allclose(got_std, want_std, rtol=0.05):
        got = [round(v, 2) for v in got_std.tolist()]
        if torch.allclose(got_std, want_std**2, rtol=0.05):
            fail(f"The samples' standard deviations are {got}: the variances {[s**2 for s in stds]}, not the "
                 f"standard deviations {stds}. Hint: logvar is log σ², so σ = exp(0.5 · logvar).")
        if torch.allclose(got_std, torch.ones_like(want_std), rtol=0.05):
            fail(f"The samples' standard deviations are {got}: every one 1, whatever logvar says. Hint: scale eps "
                 "by σ = exp(0.5 · logvar).")
        fail(f"The samples' standard deviations are {got}; expected {stds}. Hint: {hint}")
    z.sum().backward()
    if mean.grad is None or logvar.grad is None or logvar.grad.abs().sum() == 0:
        fail("No gradient reached logvar: the sample must be a differentiable function of it. Hint: " + hint)
    if not torch.allclose(mean.grad, torch.ones_like(mean)):
        fail("d z / d mean should be 1 for every entry (z = mean + σ ε). Hint: " + hint)
    eps = (z.detach() - mean.detach()) / torch.tensor(stds)
    if not torch.allclose(logvar.grad, 0.5 * torch.tensor(stds) * eps, atol=1e-4):
        fail("d z / d logvar should be ½ σ ε (z = mean + exp(½ logvar) ε). Hint: " + hint)
    if not hidden:
        ok("z = mean + σ · ε with ε ~ N(0, I): the samples have the right mean and spread, and the gradient "
           "reaches mean (1) and logvar (½ σ ε). The randomness is an input; the network stays differentiable.")


@check
def check_kl_divergence(kl_fn: Callable, hidden: bool = False) -> None:
    """``kl_fn(mean, logvar)``: ``KL(N(mean, diag(exp(logvar))) ‖ N(0, I))`` of each image, summed over its ``k``
    code dimensions: shape ``(N,)``, nats. Checked against :func:`torch.distributions.kl_divergence`."""
    __tracebackhide__ = True

    hint = "per dimension ½ (mean² + σ² − log σ² − 1) with σ² = exp(logvar), then .sum(dim=1)."
    for n, k, seed in [(6, 4, 0)] if not hidden else [(3, 1, 1), (5, 20, 2)]:
        mean, logvar = _case(n, k, seed)
        shown = f"kl_fn(mean, logvar) with mean and logvar of shape ({n}, {k})"
        got = as_tensor(call(kl_fn, mean.clone(), logvar.clone(), shown=shown, hint=hint), f"`{shown}`").double()
        q = torch.distributions.Normal(mean.double(), torch.exp(0.5 * logvar.double()))
        p = torch.distributions.Normal(torch.zeros_like(q.loc), torch.ones_like(q.scale))
        per_dim = torch.distributions.kl_divergence(q, p)
        want = per_dim.sum(1)
        if got.shape != want.shape:
            if got.numel() == 1 and math.isclose(got.item(), want.sum().item(), rel_tol=1e-4):
                fail(f"`{shown}` returned one number, the sum over the whole batch; expected one KL per image, shape "
                     f"({n},). Hint: .sum(dim=1), over the code dimensions only.")
            if got.shape == per_dim.shape:
                fail(f"`{shown}` returned shape {tuple(got.shape)}: one KL per dimension. Expected one per image, "
                     f"shape ({n},). Hint: sum over the code dimensions, .sum(dim=1).")
            fail(f"`{shown}` returned shape {tuple(got.shape)}; expected ({n},): one KL per image.")
        if torch.allclose(got, want, rtol=1e-4, atol=1e-6):
            continue
        if torch.allclose(got, 2 * want, rtol=1e-4):
            fail(f"`{shown}` is twice the KL. Hint: the closed form has a factor ½.")
        if torch.allclose(got, -want, rtol=1e-4):
            fail(f"`{shown}` is minus the KL (a KL is never negative). Hint: {hint}")
        if torch.allclose(got, per_dim.mean(1), rtol=1e-4):
            fail(f"`{shown}` is the mean over the code dimensions; the KL of independent dimensions is their SUM.")
        fail(f"`{shown}` returned {[round(v, 3) for v in got.tolist()]}, expected "
             f"{[round(v, 3) for v in want.tolist()]} (torch.distributions.kl_divergence). Hint: {hint}")
    if not hidden:
        ok("½ Σ (μ² + σ² − log σ² − 1): equal to torch.distributions.kl_divergence to float precision, and 0 "
           "exactly when the encoder returns the prior itself (μ = 0, σ = 1).")


@check
def check_beta_zero_prediction(predict: Callable, measured: dict[str, float] | None = None,
                               hidden: bool = False) -> None:
    """``predict()`` → ``"digits"`` or ``"blends"``: what decoding prior samples N(0, I) gives for a VAE trained with
    KL weight β = 0 — new digits like the β = 1 model's, or blends and smears like lesson 02's random decodes.

    ``measured``: the lesson's figures, ``{"beta=0": …, "beta=1": …}``: the median distance of the test images'
    mean codes from 0 (a draw of N(0, I) lies about √k from it), and ``"beta=0 kl"``: the β = 0 model's KL in
    nats per image."""
    __tracebackhide__ = True

    answer = choice(call(predict, shown="predict()"), ("digits", "blends"), "predict()")
    if hidden:
        return
    if measured is None:
        if answer != "blends":
            fail("Not quite: with β = 0 nothing pulls q(z | x) towards N(0, I), so the codes go wherever "
                 "reconstruction likes, and most draws of N(0, I) land where the decoder never saw a code.")
        ok("blends: without the KL term nothing keeps the codes near the prior, so its draws land where no code is.")
        return
    m = measured
    why = (f"measured here: the β = 0 model's codes lie a median {m['beta=0']:.1f} from 0, the β = 1 model's "
           f"{m['beta=1']:.1f}, and a draw of N(0, I) in 20 dimensions about 4.5; the β = 0 codes cost "
           f"{m['beta=0 kl']:.1f} nats per image of KL, which nothing charged for")
    if answer != "blends":
        fail(f"Not quite: {why}. With β = 0 nothing pulls q(z | x) towards N(0, I), so the codes go wherever "
             "reconstruction likes, and most draws of N(0, I) land where the decoder never saw a code.")
    ok(f"{why}. Without the KL term a VAE is a plain autoencoder with noisy codes: its codes go where reconstruction "
       "likes, and the prior's draws land where no code is.")
