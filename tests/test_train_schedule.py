"""aelib.schedule (learning-rate schedules) as fit uses them, and fit's on_epoch hook: the one-cycle curve, exact
resume under a schedule, what the run's identity records, and stopping a run from the hook."""

from __future__ import annotations

import math

import pytest
import torch

from aelib.checkpoint import load_checkpoint
from aelib.schedule import learning_rate
from aelib.train import fit
from tests.test_train import FAST, blobs, make, same_weights


def test_one_cycle_rises_then_falls_from_and_to_the_set_points():
    total, lr = 1000, 4e-3
    rates = [learning_rate("onecycle", lr, s, total) for s in range(total)]
    peak = max(range(total), key=rates.__getitem__)
    assert rates[0] == pytest.approx(lr / 25)
    assert rates[peak] == pytest.approx(lr) and abs(peak - 0.3 * total) <= 2
    assert rates[-1] == pytest.approx(lr / 25 / 1e4)
    assert all(a <= b for a, b in zip(rates[:peak], rates[1 : peak + 1], strict=True))  # up, then down
    assert all(a >= b for a, b in zip(rates[peak:-1], rates[peak + 1 :], strict=True))
    assert learning_rate("constant", lr, 999, total) == lr


def test_one_cycle_follows_torch_one_cycle_lr():
    """The same curve as torch's OneCycleLR with its defaults (cosine, 30 % rise, div 25, final div 1e4)."""
    total, lr = 200, 1e-2
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total)
    theirs = []
    for _ in range(total):
        theirs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    ours = [learning_rate("onecycle", lr, s, total) for s in range(total)]
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)


def test_bad_schedules_are_refused():
    with pytest.raises(ValueError, match="unknown schedule 'cosine'.*constant, onecycle"):
        learning_rate("cosine", 1e-3, 0, 10)
    with pytest.raises(ValueError, match=r"step must be in \[0, 10\)"):
        learning_rate("onecycle", 1e-3, 10, 10)
    with pytest.raises(ValueError, match="unknown schedule"):
        fit(make(), blobs(64), epochs=1, schedule="warm", **FAST)
    loader = (x for x in [torch.rand(8, 1, 28, 28)])  # no len(): the schedule's length is unknown
    with pytest.raises(ValueError, match="needs to know the number of batches"):
        fit(make(), loader, epochs=1, schedule="onecycle", **FAST)


def test_one_cycle_sets_every_steps_rate_and_trains_better_than_its_start(monkeypatch):
    seen = []
    step = torch.optim.Adam.step

    def spy(self, *args, **kwargs):
        seen.append(self.param_groups[0]["lr"])
        return step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", spy)
    images = blobs(256)
    fit(make(), images, epochs=2, batch_size=32, lr=5e-3, schedule="onecycle", **FAST)
    total = 2 * math.ceil(256 / 32)
    assert seen == pytest.approx([learning_rate("onecycle", 5e-3, s, total) for s in range(total)])


def test_resume_under_a_schedule_is_bit_identical(tmp_path):
    images = blobs(300)
    opts = dict(batch_size=32, lr=5e-3, schedule="onecycle", seed=3, **FAST)
    straight = make()
    h_straight = fit(straight, images, epochs=4, **opts)
    ckpt = tmp_path / "run.pt"
    fit(make(), images, epochs=4, checkpoint=ckpt, on_epoch=lambda stats, model: stats.epoch == 2, **opts)
    assert load_checkpoint(ckpt)["epoch"] == 2  # stopped by the hook after epoch 2
    resumed = make(init_seed=7)
    h_resumed = fit(resumed, images, epochs=4, resume=ckpt, checkpoint=ckpt, **opts)
    assert same_weights(straight, resumed)
    assert h_resumed.train_loss == h_straight.train_loss


def test_the_schedule_is_part_of_the_run(tmp_path):
    images = blobs(64)
    fit(make(), images, epochs=1, checkpoint=tmp_path / "a.pt", **FAST)
    fit(make(), images, epochs=1, checkpoint=tmp_path / "b.pt", schedule="onecycle", **FAST)
    assert load_checkpoint(tmp_path / "a.pt")["config"]["schedule"] == "constant"
    assert load_checkpoint(tmp_path / "b.pt")["config"]["schedule"] == "onecycle"
    with pytest.raises(FileExistsError, match="another run"):  # a constant-rate run is another run
        fit(make(), images, epochs=1, checkpoint=tmp_path / "b.pt", **FAST)


def test_on_epoch_sees_every_epoch_and_can_stop_the_run():
    calls = []

    def hook(stats, model):
        calls.append((stats.epoch, model.training))
        return stats.epoch == 3

    history = fit(make(), blobs(64), epochs=5, on_epoch=hook, **FAST)
    assert [c[0] for c in calls] == [1, 2, 3] and len(history.epochs) == 3
    history = fit(make(), blobs(64), epochs=2, on_epoch=lambda s, m: None, **FAST)
    assert len(history.epochs) == 2
