"""aelib.models.sparse and aelib.models.classifier: the sparse autoencoders' shape, their start, their terms (L1,
AuxK and the dead-latent count) and where the gradient goes; lesson 10's classifier."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from aelib.losses import objective, terms
from aelib.models import MLPClassifier, ReLUSAE, TopKSAE


def test_shapes_unit_directions_and_the_transposed_start():
    torch.manual_seed(0)
    sae = TopKSAE(8, 20, 3)
    assert sae.directions.shape == (20, 8)
    torch.testing.assert_close(sae.directions.norm(dim=1), torch.ones(20))
    torch.testing.assert_close(sae.W_enc, sae.W_dec)  # W_enc starts as the decoder's transpose (x W_encᵀ)
    x = torch.randn(5, 8)
    f = sae.encode(x)
    assert f.shape == (5, 20) and sae.decode(f).shape == (5, 8) and sae(x).shape == (5, 8)
    images = torch.rand(4, 1, 28, 28)
    assert ReLUSAE(784, 900)(images).shape == (4, 1, 28, 28)  # images flattened in, reshaped out


def test_directions_stay_unit_whatever_the_stored_weights():
    sae = ReLUSAE(3, 2)
    with torch.no_grad():
        sae.W_dec.copy_(torch.tensor([[3.0, 0.0, 4.0], [0.0, 0.2, 0.0]]))
    torch.testing.assert_close(sae.directions, torch.tensor([[0.6, 0.0, 0.8], [0.0, 1.0, 0.0]]))
    f = torch.tensor([[2.0, 1.0]])
    torch.testing.assert_close(sae.decode(f), torch.tensor([[1.2, 1.0, 1.6]]))  # b_dec is 0 before training


def test_b_dec_starts_at_the_median_of_the_first_training_batch_only():
    sae = ReLUSAE(2, 4)
    first = torch.tensor([[1.0, 10.0], [2.0, 30.0], [9.0, 20.0]])
    sae.eval()
    sae(first)
    assert sae.b_dec.tolist() == [0.0, 0.0]  # evaluation never sets it
    sae.train()
    sae(first)
    assert sae.b_dec.tolist() == [2.0, 20.0]
    sae(first + 100)
    assert sae.b_dec.tolist() == [2.0, 20.0]  # once
    assert "started" in sae.state_dict()


def test_topk_keeps_exactly_k_non_negative_latents():
    torch.manual_seed(1)
    sae = TopKSAE(16, 64, 5)
    f = sae.encode(torch.randn(30, 16))
    assert ((f > 0).sum(1) <= 5).all() and (f >= 0).all()
    pre = sae.pre_activations(torch.randn(30, 16))
    kept = sae.activate(pre)
    top = pre.topk(5, dim=1)
    torch.testing.assert_close(kept.gather(1, top.indices), F.relu(top.values))
    assert sae.activate(torch.tensor([[-1.0, -2.0, -3.0, -4.0, -5.0, -6.0]])).abs().sum() == 0  # ReLU after TopK


def test_the_l1_term_is_each_inputs_sum_of_latents():
    torch.manual_seed(2)
    sae = ReLUSAE(6, 12)
    x = torch.randn(7, 6)
    recon, parts = terms(sae, x)
    torch.testing.assert_close(parts["l1"], sae.encode(x).sum(1))
    assert recon.shape == x.shape


def test_dead_latents_are_counted_in_training_and_auxk_reaches_them_only():
    torch.manual_seed(3)
    sae = TopKSAE(8, 16, 2, k_aux=4, dead_after=50).train()
    x = torch.randn(10, 8)
    _, parts = terms(sae, x)
    assert (parts["auxk"] == 0).all() and not sae.dead.any()  # nothing has been idle for 50 inputs yet
    assert (sae.samples_since_active[(sae.encode(x) > 0).any(0)] == 0).all()
    with torch.no_grad():
        sae.samples_since_active.fill_(1000)  # pretend every latent has been idle
    loss, _ = objective(sae, x, x, F.mse_loss, {"auxk": 1.0})
    live = sae.samples_since_active == 0  # this batch revived its winners
    assert live.any() and sae.dead.sum() == 16 - live.sum()
    sae.zero_grad()
    _, parts = terms(sae, x)
    parts["auxk"].mean().backward()
    touched = sae.W_enc.grad.abs().sum(1) > 0
    assert touched.any() and not (touched & live).any()  # the auxiliary loss trains dead latents, never live ones
    sae.eval()
    before = sae.samples_since_active.clone()
    terms(sae, x)
    assert torch.equal(before, sae.samples_since_active)  # evaluation counts nothing


def test_a_term_weighted_zero_is_measured_not_trained_on():
    torch.manual_seed(4)
    sae = ReLUSAE(5, 10)
    x = torch.rand(6, 5)
    loss, parts = objective(sae, x, x, F.mse_loss, {"l1": 0.0})
    assert parts["l1"] > 0
    torch.testing.assert_close(loss, parts["reconstruction"])


def test_bad_shapes_and_settings_are_refused():
    with pytest.raises(ValueError, match=r"expected inputs of shape \(N, 8\), got \(3, 9\)"):
        TopKSAE(8, 16, 2).encode(torch.zeros(3, 9))
    with pytest.raises(ValueError, match=r"expected latents of shape \(N, 16\)"):
        TopKSAE(8, 16, 2).decode(torch.zeros(3, 8))
    with pytest.raises(ValueError, match="k <= n_latents"):
        TopKSAE(8, 16, 17)
    with pytest.raises(ValueError, match="d_in >= 1"):
        ReLUSAE(0, 4)


def test_the_classifier_reads_its_hidden_layer_through_a_linear_head():
    torch.manual_seed(5)
    model = MLPClassifier(32, 10)
    x = torch.rand(4, 1, 28, 28)
    h = model.hidden(x)
    assert h.shape == (4, 32) and (h >= 0).all()
    torch.testing.assert_close(model(x), model.head(h))
    torch.testing.assert_close(model(x.reshape(4, 784)), model(x))
    with pytest.raises(ValueError, match="expected images"):
        model.hidden(torch.zeros(4, 100))
