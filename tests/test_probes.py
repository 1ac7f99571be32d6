"""aelib.probes: the seeded draw of labels, the linear probe (against its optimality condition), fine-tuning — on
small synthetic features. No dataset."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from aelib import models, probes


def blobs(n_per_class: int = 30, d: int = 6, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Three Gaussian clusters in ``d`` dimensions, 4 apart."""
    g = torch.Generator().manual_seed(seed)
    centers = torch.randn(3, d, generator=g) * 4
    labels = torch.arange(3).repeat_interleave(n_per_class)
    return centers[labels] + torch.randn(len(labels), d, generator=g), labels


def test_draw_labelled_takes_n_of_each_class_and_is_seeded():
    labels = torch.tensor([0, 1, 2] * 20 + [1] * 5)
    picked = probes.draw_labelled(labels, 4, seed=3)
    assert picked.shape == (12,) and len(set(picked.tolist())) == 12
    assert labels[picked].tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert torch.equal(picked, probes.draw_labelled(labels, 4, seed=3))
    assert not torch.equal(picked, probes.draw_labelled(labels, 4, seed=4))
    with pytest.raises(ValueError, match="class 0 has 20 items, fewer than the 21"):
        probes.draw_labelled(labels, 21)
    with pytest.raises(ValueError, match="at least 1"):
        probes.draw_labelled(labels, 0)


def test_scaling_centres_and_takes_one_rms_scale():
    x, _ = blobs()
    s = probes.Scaling.of(x, batch_size=7)  # batched sums equal the whole
    torch.testing.assert_close(s.center, x.double().mean(0))
    assert s.scale == pytest.approx(((x.double() - x.double().mean(0)).square().mean()).sqrt().item())
    images = torch.full((4, 28, 28), 255, dtype=torch.uint8)
    assert probes.Scaling.of(images).center.max().item() == 1.0 and probes.Scaling.of(images).scale == 1.0


def test_probe_reaches_the_penalised_optimum():
    x, y = blobs()
    scaling = probes.Scaling.of(x)
    probe = probes.LinearProbe.fit(x, y, scaling, l2=0.05)
    assert probes.accuracy(probe(x), y) == 1.0  # well separated clusters
    # at the optimum the gradient of the objective vanishes
    w = probe.linear.weight.detach().double().T.clone().requires_grad_()
    b = probe.linear.bias.detach().double().clone().requires_grad_()
    z = (x.double() - scaling.center) / scaling.scale
    loss = F.cross_entropy(z @ w + b, y) + 0.05 * w.square().sum()
    loss.backward()
    assert w.grad.abs().max() < 1e-4 and b.grad.abs().max() < 1e-4
    # a stronger penalty gives smaller weights
    strong = probes.LinearProbe.fit(x, y, scaling, l2=5.0)
    assert strong.linear.weight.norm() < probe.linear.weight.norm()


def test_probe_refuses_bad_input():
    x, y = blobs()
    with pytest.raises(ValueError, match="one label per row"):
        probes.LinearProbe.fit(x, y[:-1])
    with pytest.raises(ValueError, match="l2 must be > 0"):
        probes.LinearProbe.fit(x, y, l2=0.0)
    with pytest.raises(ValueError, match="for 3 features"):
        probes.LinearProbe.fit(x, y, probes.Scaling.of(x[:, :3]))


def test_accuracy():
    logits = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert probes.accuracy(logits, torch.tensor([0, 1, 1])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="3 rows of logits and 2 labels"):
        probes.accuracy(logits, torch.tensor([0, 1]))


def test_fine_tune_starts_from_the_probe_trains_a_copy_and_is_repeatable():
    torch.manual_seed(0)
    model = models.code_size_autoencoder(4)
    g = torch.Generator().manual_seed(1)
    images = (torch.rand(30, 28, 28, generator=g) * 255).to(torch.uint8)
    labels = torch.arange(3).repeat(10)
    codes = model.encode(images.float().div(255).unsqueeze(1)).detach()
    head = probes.LinearProbe.fit(codes, labels, l2=0.1, n_classes=3)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    start = probes.EncoderClassifier(model, head)
    first_loss = F.cross_entropy(start(images), labels).item()
    tuned = probes.fine_tune(model, head, images, labels, steps=30, lr=1e-3)
    assert F.cross_entropy(tuned(images), labels).item() < first_loss
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # the original is untouched
    again = probes.fine_tune(model, head, images, labels, steps=30, lr=1e-3)
    assert torch.equal(tuned(images), again(images))
    assert not tuned.training
    with pytest.raises(ValueError, match="one label per image"):
        probes.fine_tune(model, head, images, labels[:5])


def test_train_classifier_learns_and_is_repeatable():
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 3, (600,), generator=g)
    images = torch.zeros(600, 28, 28, dtype=torch.uint8)
    for c in range(3):  # a bright band at a place of its own for each class, plus noise
        images[labels == c, 4 + 8 * c : 10 + 8 * c] = 200
    images = (images.int() + torch.randint(0, 50, images.shape, generator=g)).clamp(0, 255).to(torch.uint8)
    a = probes.train_classifier(models.MLPClassifier(16, 3), images, labels, epochs=2, batch_size=32, lr=3e-3, seed=1)
    b = probes.train_classifier(models.MLPClassifier(16, 3), images, labels, epochs=2, batch_size=32, lr=3e-3, seed=1)
    c = probes.train_classifier(models.MLPClassifier(16, 3), images, labels, epochs=2, batch_size=32, lr=3e-3, seed=2)
    assert not a.training and probes.accuracy(a(images.float().unsqueeze(1) / 255), labels) > 0.95
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a.layer.weight, c.layer.weight)
    with pytest.raises(ValueError, match="one label per image"):
        probes.train_classifier(models.MLPClassifier(16, 3), images, labels[:10])
