"""aelib.recipes: the lesson's checkpoint holds the lesson's run only, and load_or_train never crashes on a bad file.

A tiny recipe is registered in RECIPES for each test, its "data set" a few hundred synthetic images
(tests/test_train.py), so everything here runs in seconds.
"""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
import torch

from aelib import recipes
from aelib.checkpoint import fingerprint, load_checkpoint
from aelib.runs import RunSettings
from aelib.train import fit
from tests.test_train import TinyDense, blobs, same_weights

TINY = recipes.Recipe("tiny", TinyDense, "blobs", epochs=2, batch_size=64, lr=3e-3, note="a test's recipe")


@pytest.fixture
def tiny(tmp_path, monkeypatch) -> recipes.Recipe:
    """TINY registered as a lesson recipe, its data set synthetic, checkpoints in a temp folder, no progress bar."""
    real_load = recipes.data.load
    images = blobs(256)

    def load(name, split="train", *args, **kwargs):
        return (images, torch.zeros(len(images))) if name == "blobs" else real_load(name, split, *args, **kwargs)

    monkeypatch.setattr(recipes.data, "load", load)
    monkeypatch.setitem(recipes.RECIPES, TINY.name, TINY)
    monkeypatch.setenv("AELIB_CHECKPOINTS", str(tmp_path))
    monkeypatch.setenv("AELIB_PROGRESS", "0")
    return TINY


def test_only_the_lessons_own_run_goes_to_the_lessons_checkpoint(tiny, tmp_path):
    lesson = recipes.checkpoint_path(tiny)
    assert lesson == tmp_path / "tiny.pt"
    others = [
        recipes.checkpoint_path(replace(tiny, epochs=1)),
        recipes.checkpoint_path(tiny, epochs=1),  # the same run as the line above: the same file
        recipes.checkpoint_path(replace(tiny, lr=1e-3)),
        recipes.checkpoint_path(tiny, seed=1),
        recipes.checkpoint_path(tiny, images=blobs(64, seed=4)),
        recipes.checkpoint_path(replace(tiny, model=lambda: TinyDense(hidden=8))),
    ]
    assert lesson not in others and others[0] == others[1] and len(set(others)) == len(others) - 1
    assert all(p.parent == tmp_path and p.name.startswith("tiny-") for p in others)
    # What only shows or records a run does not make it another run.
    assert recipes.checkpoint_path(tiny, watch=blobs(2), val=0.1, progress=False, device="cpu") == lesson
    assert recipes.checkpoint_path(replace(tiny, note="same settings, other words")) != lesson  # not RECIPES' own


def test_a_modified_recipe_leaves_the_lessons_checkpoint_byte_for_byte_unchanged(tiny, epochs_run):
    model, _ = recipes.train(tiny)
    lesson = recipes.checkpoint_path(tiny)
    kept = lesson.read_bytes()
    for run in (
        lambda: recipes.train(replace(tiny, epochs=1)),
        lambda: recipes.train(tiny, lr=1e-2),
        lambda: recipes.train(tiny, seed=3),
        lambda: recipes.train(tiny, images=blobs(64, seed=4)),
    ):
        run()
        assert lesson.read_bytes() == kept
    assert len(list(lesson.parent.glob("tiny-*.pt"))) == 4  # each experiment kept in a file of its own
    epochs_run.clear()
    assert same_weights(recipes.load_or_train(tiny), model) and epochs_run == []  # still the lesson's model


def test_a_checkpoint_records_the_recipe_its_settings_and_data_set(tiny):
    recipes.train(tiny)
    config = load_checkpoint(recipes.checkpoint_path(tiny))["config"]
    assert config["tags"] == {"recipe": "tiny", "data": "blobs train"}
    assert {k: config[k] for k in RunSettings.names()} == tiny.settings.record()
    assert config["model"] == str(TinyDense())


def test_load_or_train_loads_the_lessons_run_and_trains_when_there_is_none(tiny, epochs_run, capsys):
    first = recipes.load_or_train(tiny)  # no file yet: trained, quietly, and saved
    assert len(epochs_run) == 2 and capsys.readouterr().out == ""
    second = recipes.load_or_train(tiny)
    assert len(epochs_run) == 2 and same_weights(first, second) and not second.training


def truncated(path) -> None:
    path.write_bytes(path.read_bytes()[:1000])


def garbage(path) -> None:
    path.write_bytes(b"\x00garbage\xff" * 50)


def other_settings(path) -> None:  # what an older aelib let a learner's experiment leave at the lesson's path
    torch.manual_seed(0)
    tags = {"recipe": "tiny", "data": "blobs train"}
    fit(TinyDense(), blobs(256), epochs=2, batch_size=64, lr=1e-2, seed=0, tags=tags, checkpoint=path, overwrite=True,
        device="cpu", progress=False)


def unfinished(path) -> None:
    state = {**load_checkpoint(path), "epoch": 1}
    buf = io.BytesIO()
    torch.save(state, buf)
    path.write_bytes(buf.getvalue())


@pytest.mark.parametrize(
    "spoil, says",
    [
        (truncated, "is damaged: the file is cut short"),
        (garbage, "is not a checkpoint"),
        (other_settings, "holds another run (lr=0.01 where this run has 0.003)"),
        (unfinished, "holds 1 of the run's 2 epochs: unfinished"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_load_or_train_retrains_on_an_unusable_checkpoint_with_a_one_line_reason(spoil, says, tiny, epochs_run,
                                                                                 capsys):
    lesson_model, _ = recipes.train(tiny)
    path = recipes.checkpoint_path(tiny)
    spoil(path)
    capsys.readouterr()
    epochs_run.clear()
    model = recipes.load_or_train(tiny)
    out = capsys.readouterr().out
    assert out.startswith(f"{path} could not be used: {says}") and out.endswith("; training tiny again.\n"), out
    assert out.count("\n") == 1 and "weights_only" not in out, out
    assert len(epochs_run) == 2 and same_weights(model, lesson_model)  # the lesson's run, trained again
    assert load_checkpoint(path)["config"]["lr"] == tiny.lr  # and saved over the unusable file
    epochs_run.clear()
    recipes.load_or_train(tiny)
    assert epochs_run == []


def test_load_or_train_retrains_on_any_exception_from_reading(tiny, epochs_run, capsys, monkeypatch):
    recipes.train(tiny)
    epochs_run.clear()

    def broken(*args, **kwargs):
        raise KeyError("something nobody listed")

    monkeypatch.setattr(recipes, "load_checkpoint", broken)
    recipes.load_or_train(tiny)
    assert "could not be used: KeyError: 'something nobody listed'; training tiny again." in capsys.readouterr().out
    assert len(epochs_run) == 2


def test_lesson_07s_recipes():
    assert list(recipes.CODE_SIZE_SWEEP) == list(recipes.CODE_SIZES) == [2, 4, 8, 16, 32, 64]
    for k, recipe in recipes.CODE_SIZE_SWEEP.items():
        assert recipes.RECIPES[recipe.name] is recipe and recipe.model().code_size == k
        assert recipe.settings.schedule == "onecycle"
        assert recipes.checkpoint_path(recipe).name == f"code_size_{k}.pt"  # the lesson's own run
    assert recipes.LINEAR_10.model().output == "none" and recipes.SHALLOW_30.model().sizes == (784, 30)
    assert recipes.HINTON_2006.schedule == "constant"  # a constant rate for the lesson's 3 epochs
    long = recipes.HINTON_2006.original()
    assert long.schedule == "onecycle" and long.epochs == 75
    assert recipes.checkpoint_path(long).name.startswith("hinton2006-")  # never the lesson's file
    assert "schedule=onecycle" in str(long)
    assert recipes.SHALLOW_30.original().epochs > recipes.SHALLOW_30.epochs


def test_lesson_08s_recipes():
    anchor = recipes.VAE_ANCHOR
    assert (anchor.epochs, anchor.batch_size, anchor.lr, anchor.loss, anchor.schedule) == (10, 128, 1e-3, "bce_sum",
                                                                                         "constant")
    assert anchor.model().hidden == (400,) and anchor.model().code_size == 20  # pytorch/examples vae/main.py
    assert recipes.VAE_2D.model().code_size == 2
    strong = recipes.VAE_STRONG.model()
    assert (strong.hidden, strong.code_size, strong.activation) == ((512, 256), 32, "elu")
    assert any(isinstance(m, torch.nn.ELU) for m in strong.modules())
    assert not any(isinstance(m, torch.nn.ELU) for m in anchor.model().modules())
    assert recipes.VAE_BETA[1.0] is anchor and anchor.term_weights == ()
    # beta = 0 is the anchor's run with the KL switched off, setting for setting: lesson 08's plain autoencoder
    assert recipes.VAE_BETA[0.0].settings == anchor.settings.replace(term_weights=(("kl", 0.0),))
    assert recipes.VAE_BETA[30.0].epochs < recipes.VAE_BETA[30.0].original().epochs == anchor.epochs
    for beta in (0.0, 30.0):
        r = recipes.VAE_BETA[beta]
        assert recipes.RECIPES[r.name] is r and dict(r.term_weights) == {"kl": beta}
        assert recipes.checkpoint_path(r).name == f"vae_beta_{beta:g}.pt"  # each its own lesson run
        assert f"weight of kl={beta:g}" in str(r)
    # a weight given as an override makes another run, never the lesson's file
    other = recipes.checkpoint_path(anchor, term_weights={"kl": 2.0})
    assert other.name.startswith("vae_anchor-") and other != recipes.checkpoint_path(anchor)


def test_a_term_weight_recipe_records_its_weights(tiny, monkeypatch):
    from aelib import models

    vae = replace(tiny, name="tiny_vae", model=lambda: models.VAE((16,), 2), loss="bce_sum",
                  term_weights=(("kl", 0.5),))
    monkeypatch.setitem(recipes.RECIPES, vae.name, vae)
    model, history = recipes.train(vae)
    saved = load_checkpoint(recipes.checkpoint_path(vae))
    assert saved["config"]["term_weights"] == {"kl": 0.5} and set(history.epochs[-1].train_parts) == {
        "reconstruction", "kl"}
    assert same_weights(recipes.load(vae), model)


def test_a_one_class_recipe_trains_on_its_class_and_holds_the_rest_out(tiny, monkeypatch):
    images = blobs(300)
    labels = torch.arange(300) % 3
    monkeypatch.setattr(recipes.data, "load", lambda name, split="train", *a, **k: (images, labels))
    one = replace(tiny, name="tiny_one_class", label=2, train_count=240)
    monkeypatch.setitem(recipes.RECIPES, one.name, one)
    train, train_labels = one.images()
    held, held_labels = one.images("held_out")
    assert torch.equal(train, images[:240][labels[:240] == 2]) and set(train_labels.tolist()) == {2}
    assert torch.equal(held, images[240:][labels[240:] == 2]) and len(held) == 20
    with pytest.raises(ValueError, match="'train' or 'held_out'"):
        one.images("test")
    assert "blobs train[:240] class 2, epochs=2" in str(one) and "blobs, epochs=2" in str(tiny)
    model, _ = recipes.train(one)
    saved = load_checkpoint(recipes.checkpoint_path(one))
    assert saved["config"]["tags"] == {"recipe": "tiny_one_class", "data": "blobs train[:240] class 2"}
    assert saved["config"]["data"] == fingerprint(train) != fingerprint(images)  # its class's images, no other
    assert same_weights(recipes.load(one), model)  # the run is recognised as the lesson's own
    everything = replace(one, label=None)  # the same name on every class: another run, never the lesson's file
    assert recipes.checkpoint_path(everything).name.startswith("tiny_one_class-")


def test_lesson_09s_recipes():
    assert len(recipes.ONE_CLASS) == 20
    for (dataset, label), recipe in recipes.ONE_CLASS.items():
        assert recipes.RECIPES[recipe.name] is recipe and recipe.dataset == dataset and recipe.label == label
        assert recipe.train_count == 50_000 and recipe.model().code_size == 32
    assert recipes.VAE_FASHION.dataset == "fashion-mnist"
    assert recipes.VAE_FASHION.settings == recipes.VAE_ANCHOR.settings.replace(epochs=3)  # lesson 08's anchor
    assert recipes.VAE_FASHION.model().hidden == recipes.VAE_ANCHOR.model().hidden


def test_a_recipe_with_inputs_trains_on_what_they_make_of_its_images(tiny, monkeypatch):
    """Lesson 10's SAEs train on a classifier's hidden layer: the recipe's ``inputs`` turns its images into a
    TensorDataset, which fit trains on and the checkpoint fingerprints; the lesson's run is reloaded as its own."""
    from torch.utils.data import TensorDataset

    from aelib.models import ReLUSAE

    images = blobs(200)
    monkeypatch.setattr(recipes.data, "load", lambda name, split="train", *a, **k: (images, torch.arange(200) % 3))

    def column_sums(batch: torch.Tensor) -> TensorDataset:  # 28 numbers per image, not pixels
        return TensorDataset(batch.float().sum(1) / 255)

    sae = replace(tiny, name="tiny_sae", model=lambda: ReLUSAE(28, 40), inputs=column_sums,
                  term_weights=(("l1", 0.01),))
    monkeypatch.setitem(recipes.RECIPES, sae.name, sae)
    vectors, _ = sae.images()
    assert isinstance(vectors, TensorDataset) and vectors.tensors[0].shape == (200, 28)
    assert sae.data_tag() == "blobs train, column_sums" and "blobs train, column_sums, epochs=2" in str(sae)
    model, _ = recipes.train(sae)
    saved = load_checkpoint(recipes.checkpoint_path(sae))
    assert saved["config"]["data"] == fingerprint(vectors.tensors[0])
    assert same_weights(recipes.load(sae), model)


def test_lesson_10s_recipes():
    assert all(recipes.RECIPES[r.name] is r for r in (*recipes.PIXEL_SAES.values(), recipes.SAE_TOPK,
                                                      recipes.SAE_TOPK_NO_AUXK, *recipes.SAE_SWEEP.values()))
    assert recipes.SAE_TOPK_NO_AUXK.settings == recipes.SAE_TOPK.settings.replace(term_weights=(("auxk", 0.0),))
    assert recipes.SAE_TOPK.inputs is recipes.classifier_hidden and recipes.SAE_TOPK.model().k == 16
    assert {kind for kind, _ in recipes.SAE_SWEEP} == {"TopK", "L1"}
    assert all(r.epochs == recipes.SWEEP_EPOCHS for r in recipes.SAE_SWEEP.values())
    assert [r.model().n_latents for r in recipes.PIXEL_SAES.values()] == [1024] * 3
