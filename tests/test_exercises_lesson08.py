"""aelib.exercises.lesson08, the checks of ``notebooks/08_variational_autoencoder.ipynb``: each accepts a right answer
and rejects plausible wrong ones with a learner-facing message (the message is the product: each rejection pins the
hint). No dataset, no training."""

from __future__ import annotations

import torch

from aelib import exercises as ex
from tests.checking import accepts, rejects, stub


def reparameterize(mean, logvar):
    return mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)


def kl_fn(mean, logvar):
    return 0.5 * (mean.square() + logvar.exp() - logvar - 1).sum(dim=1)


def test_reparameterize(capsys):
    accepts(ex.check_reparameterize, reparameterize, capsys=capsys)
    accepts(ex.check_reparameterize, reparameterize, hidden=True, capsys=capsys)
    accepts(ex.check_reparameterize, lambda m, lv: m + torch.randn_like(m) * (lv / 2).exp(), capsys=capsys)
    rejects(ex.check_reparameterize, lambda m, lv: m + torch.exp(lv) * torch.randn_like(m), match=r"the variances")
    rejects(ex.check_reparameterize, lambda m, lv: m + torch.randn_like(m), match=r"every one 1")
    rejects(ex.check_reparameterize, lambda m, lv: torch.normal(m, torch.exp(0.5 * lv)).detach(),
            match=r"no gradient")
    rejects(ex.check_reparameterize, lambda m, lv: (m + torch.exp(0.5 * lv) * torch.randn_like(m))[:1],
            match=r"returned shape \(1, 2\)")
    rejects(ex.check_reparameterize, lambda m, lv: 2 * m + torch.exp(0.5 * lv) * torch.randn_like(m),
            match=r"means are")
    rejects(ex.check_reparameterize, lambda m, lv: m + torch.exp(0.5 * lv.detach()) * torch.randn_like(m),
            match=r"No gradient reached logvar")
    rejects(ex.check_reparameterize, stub, match=r"Not done yet")
    rejects(ex.check_reparameterize, 3, match=r"Expected a function")


def test_the_reparameterize_check_leaves_the_notebooks_rng(capsys):
    torch.manual_seed(7)
    expected = torch.rand(2)
    torch.manual_seed(7)
    ex.check_reparameterize(reparameterize)
    assert torch.equal(torch.rand(2), expected)
    capsys.readouterr()


def test_kl_divergence(capsys):
    accepts(ex.check_kl_divergence, kl_fn, capsys=capsys)
    accepts(ex.check_kl_divergence, kl_fn, hidden=True, capsys=capsys)
    rejects(ex.check_kl_divergence, lambda m, lv: 2 * kl_fn(m, lv), match=r"twice the KL.*factor ½")
    rejects(ex.check_kl_divergence, lambda m, lv: -kl_fn(m, lv), match=r"minus the KL")
    rejects(ex.check_kl_divergence, lambda m, lv: kl_fn(m, lv).sum(), match=r"sum over the whole batch")
    rejects(ex.check_kl_divergence, lambda m, lv: 0.5 * (m.square() + lv.exp() - lv - 1), match=r"one KL per dimension")
    rejects(ex.check_kl_divergence, lambda m, lv: kl_fn(m, lv) / m.shape[1], match=r"mean over the code dimensions")
    rejects(ex.check_kl_divergence, lambda m, lv: 0.5 * (m.square() + lv.square() - 2 * lv.abs().log() - 1).sum(1),
            match=r"kl_divergence")  # logvar taken for σ
    rejects(ex.check_kl_divergence, stub, match=r"Not done yet")


def test_beta_zero_prediction(capsys):
    measured = {"beta=0": 20.66, "beta=1": 4.24, "beta=0 kl": 392.66}
    accepts(ex.check_beta_zero_prediction, lambda: "blends", measured=measured, capsys=capsys)
    accepts(ex.check_beta_zero_prediction, lambda: " Blends ", capsys=capsys)  # no figures: the answer only
    accepts(ex.check_beta_zero_prediction, lambda: "blends", hidden=True, capsys=capsys)
    rejects(ex.check_beta_zero_prediction, lambda: "digits", match=r"Not quite")
    rejects(ex.check_beta_zero_prediction, lambda: "digits", measured=measured, match=r"Not quite.*20\.7 from 0")
    rejects(ex.check_beta_zero_prediction, lambda: "smears", match=r"one of 'digits', 'blends'")
    rejects(ex.check_beta_zero_prediction, stub, match=r"Not done yet")
