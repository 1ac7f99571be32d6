"""The VAE and the loss-terms protocol: models.VAE, aelib.losses, fit training a model that adds a term to its loss
(progress, validation, checkpoints, exact resume, determinism, term weights), metrics.negative_elbo and
aelib.sampling. Tiny models on synthetic blobs: seconds, no dataset."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from aelib import latent, losses, metrics, models, sampling
from aelib.checkpoint import load_checkpoint
from aelib.train import CheckpointExistsError, History, fit
from tests.test_train import FAST, blobs, same_weights


def tiny_vae(code_size: int = 4, seed: int = 0) -> models.VAE:
    torch.manual_seed(seed)
    return models.VAE((32,), code_size)


class SparseAE(nn.Module):
    """Not a VAE: a plain autoencoder with an L1 penalty on its code, through the same protocol."""

    def __init__(self):
        super().__init__()
        self.encoder, self.decoder = nn.Linear(784, 8), nn.Sequential(nn.Linear(8, 784), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x.flatten(1))).view(x.shape)

    def loss_terms(self, x):
        z = self.encoder(x.flatten(1))
        return self.decoder(z).view(x.shape), {"l1": z.abs().sum(1)}


# ----------------------------------------------------------------------------------------------------------------
# The model


def test_vae_shapes_modes_and_the_anchor_layers():
    vae = tiny_vae()
    x = torch.rand(5, 1, 28, 28)
    mean, logvar = vae.encode(x)
    assert mean.shape == logvar.shape == (5, 4)
    assert vae.decode(mean).shape == (5, 1, 28, 28)
    assert vae(x.flatten(1)).shape == (5, 784)
    vae.eval()
    assert torch.equal(vae(x), vae.decode(mean))  # eval: the mean's reconstruction, no randomness
    vae.train()
    assert not torch.equal(vae(x), vae(x))  # training: a sampled code each call
    anchor = models.anchor_vae()
    shapes = [tuple(p.shape) for p in anchor.parameters()]
    assert shapes == [(400, 784), (400,), (20, 400), (20,), (20, 400), (20,), (400, 20), (400,), (784, 400), (784,)]
    assert models.count_parameters(anchor) == 652_824  # pytorch/examples vae/main.py's model
    with pytest.raises(ValueError, match=r"expected images of shape .*got \(5, 10\)"):
        vae.encode(torch.rand(5, 10))
    with pytest.raises(ValueError, match=r"expected codes of shape \(N, 4\)"):
        vae.decode(torch.rand(5, 3))
    with pytest.raises(ValueError, match="hidden size"):
        models.VAE((), 4)
    with pytest.raises(ValueError, match="unknown activation 'gelu'; valid: relu, elu"):
        models.VAE((8,), 2, activation="gelu")


def test_reparameterization_has_the_moments_and_the_gradients():
    torch.manual_seed(0)
    mean = torch.tensor([[1.0, -2.0]]).repeat(20_000, 1).requires_grad_()
    logvar = torch.tensor([[0.0, math.log(0.25)]]).repeat(20_000, 1).requires_grad_()
    z = models.VAE.reparameterize(mean, logvar)
    assert z.mean(0).tolist() == pytest.approx([1.0, -2.0], abs=0.02)
    assert z.std(0).tolist() == pytest.approx([1.0, 0.5], abs=0.02)
    z.sum().backward()
    assert torch.all(mean.grad == 1)  # dz/dmean = 1
    assert logvar.grad.abs().sum() > 0  # dz/dlogvar = ε σ / 2: the sample depends on it


def test_kl_in_closed_form_matches_torch_distributions():
    torch.manual_seed(1)
    mean, logvar = torch.randn(7, 5), torch.randn(7, 5)
    q = torch.distributions.Normal(mean, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros(5), torch.ones(5))
    assert torch.allclose(models.kl_per_dimension(mean, logvar), torch.distributions.kl_divergence(q, p), atol=1e-5)
    assert torch.all(models.kl_per_dimension(torch.zeros(3, 2), torch.zeros(3, 2)) == 0)  # the prior itself


# ----------------------------------------------------------------------------------------------------------------
# The loss-terms protocol


def test_objective_adds_weighted_terms_and_reports_them_unweighted():
    vae = tiny_vae()
    x = blobs(16).float().unsqueeze(1) / 255
    torch.manual_seed(3)
    loss, parts = losses.objective(vae, x, x, losses.bce_sum)
    torch.manual_seed(3)
    recon, terms = vae.loss_terms(x)
    expected_rec = F.binary_cross_entropy(recon, x, reduction="sum") / 16
    assert set(parts) == {"reconstruction", "kl"}
    assert parts["reconstruction"].item() == pytest.approx(expected_rec.item(), rel=1e-6)
    assert parts["kl"].item() == pytest.approx(terms["kl"].mean().item(), rel=1e-6)
    assert loss.item() == pytest.approx(expected_rec.item() + terms["kl"].mean().item(), rel=1e-6)
    torch.manual_seed(3)
    beta4, parts4 = losses.objective(vae, x, x, losses.bce_sum, {"kl": 4.0})
    assert beta4.item() == pytest.approx(parts4["reconstruction"].item() + 4 * parts4["kl"].item(), rel=1e-6)
    assert parts4["kl"].item() == pytest.approx(parts["kl"].item(), rel=1e-6)  # parts stay unweighted
    plain = models.DenseAutoencoder([784, 8])
    loss, parts = losses.objective(plain, x, x, F.mse_loss)
    assert parts == {} and loss.item() == pytest.approx(F.mse_loss(plain(x), x).item())
    with pytest.raises(ValueError, match=r"names \['kll'\].*gives \['kl'\]"):
        losses.objective(vae, x, x, losses.bce_sum, {"kll": 1.0})
    with pytest.raises(ValueError, match="adds no terms"):
        losses.objective(plain, x, x, F.mse_loss, {"kl": 1.0})


def test_bce_per_image_is_bce_sum_before_the_average():
    recon = torch.tensor([[0.5, 0.5], [0.9, 0.2]])
    target = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    per_image = losses.bce_per_image(recon, target)
    torch.testing.assert_close(per_image, torch.tensor([2 * math.log(2), -math.log(0.9) - math.log(0.8)]))
    assert per_image.mean().item() == pytest.approx(losses.bce_sum(recon, target).item())


def test_a_malformed_loss_terms_is_named():
    class Bad(SparseAE):
        def loss_terms(self, x):
            recon, terms = super().loss_terms(x)
            return recon, {"l1": terms["l1"].sum()}  # a scalar, not one value per image

    x = torch.rand(4, 1, 28, 28)
    with pytest.raises(ValueError, match=r"term 'l1' must be a tensor with one value per image, shape \(4,\)"):
        losses.objective(Bad(), x, x, F.mse_loss)


def test_fit_trains_any_model_that_adds_a_term_not_only_a_vae():
    images = blobs(256)
    torch.manual_seed(0)
    free = fit(SparseAE(), images, epochs=3, lr=3e-3, loss="bce_sum", val=0.25, term_weights={"l1": 0.0}, **FAST)
    torch.manual_seed(0)
    sparse_model = SparseAE()
    sparse = fit(sparse_model, images, epochs=3, lr=3e-3, loss="bce_sum", val=0.25, term_weights={"l1": 5.0}, **FAST)
    assert set(sparse.epochs[0].train_parts) == {"reconstruction", "l1"}
    assert sparse.val_part("l1")[-1] < 0.5 * free.val_part("l1")[-1]  # the penalty is really in the objective
    last = sparse.epochs[-1]
    assert last.val_loss == pytest.approx(last.val_parts["reconstruction"] + 5.0 * last.val_parts["l1"], rel=1e-6)


# ----------------------------------------------------------------------------------------------------------------
# A VAE through fit


def test_fit_trains_a_vae_and_keeps_both_parts_per_epoch():
    images = blobs(512)
    vae = tiny_vae()
    history = fit(vae, images, epochs=4, lr=3e-3, batch_size=64, loss="bce_sum", val=0.25, **FAST)
    assert history.val_loss[-1] < 0.9 * history.val_loss[0]
    for e in history.epochs:
        assert set(e.train_parts) == set(e.val_parts) == {"reconstruction", "kl"}
        assert e.train_loss == pytest.approx(sum(e.train_parts.values()), rel=1e-6)
        assert e.val_loss == pytest.approx(sum(e.val_parts.values()), rel=1e-6)
        assert e.val_parts["kl"] > 0
    text = str(history).splitlines()
    assert "val reconstruction" in text[0] and "val kl" in text[0] and len(text) == 5
    assert f"{history.epochs[-1].val_parts['kl']:.6f}" in text[-1]
    assert history.val_part("kl") == [e.val_parts["kl"] for e in history.epochs]
    with pytest.raises(ValueError, match="scale='unit'"):
        fit(tiny_vae(), images, loss="bce_sum", scale="symmetric", **FAST)
    with pytest.raises(ValueError, match="adds no terms"):
        fit(models.DenseAutoencoder([784, 8]), images, term_weights={"kl": 2.0}, **FAST)


def test_vae_progress_bar(capsys, monkeypatch):
    monkeypatch.delenv("AELIB_PROGRESS", raising=False)
    fit(tiny_vae(), blobs(128), epochs=1, batch_size=32, loss="bce_sum", val=0.25, device="cpu")
    err = capsys.readouterr().err
    assert "epoch 1/1" in err and "3/3" in err and "val " in err


def test_vae_runs_are_deterministic_and_resume_bit_identical(tmp_path):
    images = blobs(300)
    opts = dict(batch_size=32, lr=3e-3, loss="bce_sum", val=0.1, seed=5, term_weights={"kl": 2.0}, **FAST)
    a, b = tiny_vae(), tiny_vae()
    ha, hb = fit(a, images, epochs=4, **opts), fit(b, images, epochs=4, **opts)
    assert ha.train_loss == hb.train_loss and ha.val_loss == hb.val_loss and same_weights(a, b)
    assert [e.val_parts for e in ha.epochs] == [e.val_parts for e in hb.epochs]
    other = fit(tiny_vae(), images, epochs=1, **{**opts, "seed": 6})
    assert other.train_loss[0] != ha.train_loss[0]  # the sampled codes follow fit's seed

    ckpt = tmp_path / "vae.pt"
    fit(tiny_vae(), images, epochs=2, checkpoint=ckpt, **opts)
    resumed = tiny_vae(seed=99)  # other weights: they must come from the checkpoint
    hr = fit(resumed, images, epochs=4, resume=ckpt, checkpoint=ckpt, **opts)
    assert same_weights(a, resumed)
    assert hr.train_loss == ha.train_loss and hr.val_loss == ha.val_loss
    assert [e.val_parts for e in hr.epochs] == [e.val_parts for e in ha.epochs]
    saved = load_checkpoint(ckpt)
    assert saved["epoch"] == 4 and saved["config"]["term_weights"] == {"kl": 2.0}
    assert History.from_dict(saved["history"]).epochs[-1].val_parts == ha.epochs[-1].val_parts
    with pytest.raises(CheckpointExistsError, match=r"term_weights=\{'kl': 2.0\} where this run has \{'kl': 1.0\}"):
        fit(tiny_vae(), images, epochs=4, checkpoint=ckpt, **{**opts, "term_weights": {"kl": 1.0}})


def test_term_weight_zero_drops_the_kl_from_training_only():
    images = blobs(512)
    opts = dict(epochs=4, lr=3e-3, batch_size=64, loss="bce_sum", val=0.25, **FAST)
    elbo = fit(tiny_vae(), images, **opts)
    ae_like = fit(tiny_vae(), images, term_weights={"kl": 0.0}, **opts)
    assert ae_like.epochs[-1].val_parts["kl"] > 2 * elbo.epochs[-1].val_parts["kl"]  # nothing holds q to the prior
    assert ae_like.val_loss[-1] == pytest.approx(ae_like.epochs[-1].val_parts["reconstruction"], rel=1e-6)


# ----------------------------------------------------------------------------------------------------------------
# metrics.negative_elbo, metrics.encode_all


def test_negative_elbo_is_the_two_parts_seeded_and_leaves_the_rng():
    images = blobs(200)
    vae = tiny_vae()
    fit(vae, images, epochs=2, lr=3e-3, loss="bce_sum", **FAST)
    torch.manual_seed(123)
    expected = torch.rand(2)
    torch.manual_seed(123)
    e = metrics.negative_elbo(vae, images)
    assert torch.equal(torch.rand(2), expected)
    assert set(e) == {"nelbo", "reconstruction", "kl"} and e["nelbo"] == pytest.approx(e["reconstruction"] + e["kl"])
    assert metrics.negative_elbo(vae, images) == e  # same seed, same figure
    assert metrics.negative_elbo(vae, images, seed=1) != e
    x = images.float().unsqueeze(1) / 255
    with torch.no_grad():
        mean, logvar = vae.encode(x)
        kl = models.kl_per_dimension(mean, logvar).sum(1).mean().item()
    assert e["kl"] == pytest.approx(kl, rel=1e-5)  # the KL part needs no sample: exact
    many = metrics.negative_elbo(vae, images, samples=8)
    assert many["reconstruction"] == pytest.approx(e["reconstruction"], rel=0.03)
    assert not vae.training  # fit left it in eval mode, and negative_elbo restored that
    vae.train()
    metrics.negative_elbo(vae, images)
    assert vae.training
    with pytest.raises(ValueError, match="needs a model with loss_terms"):
        metrics.negative_elbo(models.DenseAutoencoder([784, 8]), images)


def test_encode_all_gives_a_vaes_means():
    vae = tiny_vae().eval()
    images = blobs(10)
    with torch.no_grad():
        mean, _ = vae.encode(images.float().unsqueeze(1) / 255)
    assert torch.allclose(metrics.encode_all(vae, images), mean)


# ----------------------------------------------------------------------------------------------------------------
# aelib.sampling


def test_prior_and_fitted_codes():
    z = sampling.prior_codes(4000, 3, seed=2)
    assert z.shape == (4000, 3) and z.dtype == np.float32
    assert np.array_equal(z, sampling.prior_codes(4000, 3, seed=2))
    assert np.abs(z.mean(0)).max() < 0.06 and np.abs(z.std(0) - 1).max() < 0.05
    codes = np.random.default_rng(0).normal([5.0, -1.0], [2.0, 0.1], size=(5000, 2))
    drawn = sampling.fitted_codes(codes, 4000, seed=1)
    assert drawn.mean(0) == pytest.approx([5.0, -1.0], abs=0.1)
    assert drawn.std(0) == pytest.approx([2.0, 0.1], rel=0.05)
    images = sampling.prior_samples(tiny_vae(), 6, seed=0)
    assert images.shape == (6, 28, 28) and 0 <= images.min() and images.max() <= 1
    with pytest.raises(ValueError, match="n >= 1"):
        sampling.prior_codes(0, 3)


def test_latent_manifold_grid_follows_the_prior_quantiles():
    vae = models.VAE((16,), 2)
    codes, images = sampling.latent_manifold(vae, n=5, span=0.9)
    assert codes.shape == (25, 2) and images.shape == (25, 28, 28)
    # equal steps of prior mass, 5 % to 95 %: -1.645, -0.598, 0, 0.598, 1.645 (not equal steps of z)
    values = torch.distributions.Normal(0.0, 1.0).icdf(torch.linspace(0.05, 0.95, 5)).numpy()
    assert values[1] == pytest.approx(-0.5978, abs=1e-4)
    assert codes[:5, 0] == pytest.approx(values, abs=1e-5)  # z1 grows along a row
    assert codes[::5, 1] == pytest.approx(values[::-1], abs=1e-5)  # z2 grows up the rows
    assert codes[12] == pytest.approx([0.0, 0.0], abs=1e-6)
    with pytest.raises(ValueError, match="2-d code space"):
        sampling.latent_manifold(tiny_vae(4))


def test_kl_by_dimension_and_active_units():
    vae = tiny_vae(4).eval()
    images = blobs(50)
    kl = sampling.kl_by_dimension(vae, images)
    assert kl.shape == (4,)
    assert kl.sum() == pytest.approx(metrics.negative_elbo(vae, images)["kl"], rel=1e-5)
    with torch.no_grad():  # collapse two dimensions on purpose: their mean and log-variance to the prior's 0
        for layer in (vae.to_mean, vae.to_logvar):
            layer.weight[:2] = 0
            layer.bias[:2] = 0
        vae.to_mean.bias[2:] = 1.0  # and the other two far from it: KL about 0.5 nats each
    kl = sampling.kl_by_dimension(vae, images)
    assert kl[2:].min() > 0.3
    assert kl[:2] == pytest.approx([0.0, 0.0], abs=1e-9) and sampling.active_units(kl) == 2


def test_frechet_distance():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4000, 3))
    assert sampling.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    shifted = a + np.array([2.0, 0.0, 0.0])
    assert sampling.frechet_distance(a, shifted) == pytest.approx(4.0, rel=1e-6)  # |Δμ|², same covariance
    wide = rng.normal(size=(4000, 3)) * 3.0  # Σ = 9 I against I: tr(I + 9I - 2·3I) = 3 · 4 = 12
    assert sampling.frechet_distance(a, wide) == pytest.approx(12.0, rel=0.1)
    with pytest.raises(ValueError, match="same d"):
        sampling.frechet_distance(a, a[:, :2])


def test_the_latent_explorer_drives_a_2d_vae_with_two_sliders(capsys):
    """Lesson 08's widget is lesson 06's latent explorer on a VAE: two sliders over the test images' mean codes."""
    from aelib import widgets
    from tests.synthetic import subject

    s = subject(lambda: models.VAE((16,), 2))
    w = widgets.latent_explorer(s, start=3)
    assert list(w.controls) == ["z1", "z2"]
    with torch.no_grad():
        mean, _ = s.model.encode(s.images[3:4].float().unsqueeze(1) / 255)
    ranges = latent.code_ranges(s.codes())
    assert w.code() == pytest.approx(np.clip(mean[0].numpy(), ranges[:, 0], ranges[:, 1]), abs=1e-5)
    w.controls["z1"].value = w.controls["z1"].max
    with torch.no_grad():
        expected = s.model.decode(torch.from_numpy(w.code())[None]).reshape(28, 28).numpy()
    np.testing.assert_array_equal(w.images["decoded"], expected)
    assert capsys.readouterr().out == ""


