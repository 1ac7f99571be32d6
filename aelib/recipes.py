"""The course's training set-ups in one place, shared by the lessons, the widgets and the quality tests.

A :class:`Recipe` is a model, a dataset and the hyper-parameters that train it *within the lesson budget* on a
2-core CPU, with the original tutorial's longer setting beside it (``recipe.original()``), so the notebooks, the
tests and the README can never drift apart.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache, partial
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import TensorDataset

from aelib import data, features, models, probes
from aelib.checkpoint import CheckpointError, load_checkpoint
from aelib.runs import RunSettings, checkpoint_dir, identity, other_run, run_path
from aelib.train import History, fit

__all__ = [
    "ONE_CLASS", "RECIPES", "Recipe", "checkpoint_dir", "checkpoint_path", "classifier", "classifier_hidden", "load",
    "load_or_train", "train",
]


@dataclass(frozen=True)
class Recipe(RunSettings):
    """How one model of the course is trained: a model, a data set, and the run's settings (a :class:`RunSettings`:
    ``epochs`` is the lesson budget, ``seed`` 0). ``original_epochs``: the tutorial's longer run."""

    name: str
    model: Callable[[], nn.Module]
    dataset: str
    original_epochs: int | None = None
    original_settings: tuple[tuple[str, object], ...] = ()  # other settings of the long run, e.g. (("lr", 2e-3),)
    note: str = ""
    label: int | None = None  # train on the images of this class only (a one-class model)
    train_count: int | None = None  # train on the first train_count images of the split; the rest are held out
    # Train on what this function makes of the images (a TensorDataset: lesson 10's classifier_hidden), not on them.
    inputs: Callable[[torch.Tensor], TensorDataset] | None = None

    @property
    def settings(self) -> RunSettings:
        """The settings :func:`aelib.train.fit` trains this recipe with."""
        return RunSettings.of(self)

    def images(self, part: str = "train") -> tuple[torch.Tensor | TensorDataset, torch.Tensor]:
        """``(images, labels)`` this recipe trains on (``part="train"``), or those it holds out (``"held_out"``): the
        training split's first ``train_count`` images and the rest, each kept to class ``label`` if one is set, and
        turned into ``inputs(images)`` if the recipe has ``inputs``."""
        if part not in ("train", "held_out"):
            raise ValueError(f"part is 'train' or 'held_out', got {part!r}.")
        images, labels = data.load(self.dataset, "train")
        cut = slice(None, self.train_count) if part == "train" else slice(self.train_count or len(images), None)
        images, labels = images[cut], labels[cut]
        if self.label is not None:
            keep = labels == self.label
            images, labels = images[keep], labels[keep]
        return (self.inputs(images) if self.inputs is not None else images), labels

    def data_tag(self) -> str:
        """How a checkpoint names the data this recipe trains on: "mnist train", "mnist train[:50000] class 3",
        "mnist train, classifier_hidden"."""
        first = f"[:{self.train_count}]" if self.train_count is not None else ""
        inputs = f", {self.inputs.__name__}" if self.inputs is not None else ""
        return f"{self.dataset} train{first}" + (f" class {self.label}" if self.label is not None else "") + inputs

    def original(self) -> Recipe:
        """The long version: the original tutorial's number of epochs (and ``original_settings``, if any)."""
        return replace(self, epochs=self.original_epochs or self.epochs, **dict(self.original_settings))

    def __str__(self) -> str:
        extra = f", weight_decay={self.weight_decay:g}" if self.weight_decay else ""
        extra += f", schedule={self.schedule}" if self.schedule != "constant" else ""
        extra += "".join(f", weight of {name}={w:g}" for name, w in dict(self.term_weights).items())
        noise = f", noise_std={self.noise_std}" if self.noise_std else ""
        original = f" (original: {self.original_epochs})" if self.original_epochs not in (None, self.epochs) else ""
        where = self.dataset if (self.label, self.train_count, self.inputs) == (None, None, None) else self.data_tag()
        return (
            f"{self.name}: {where}, epochs={self.epochs}{original}, batch_size={self.batch_size}, "
            f"Adam lr={self.lr:g}{extra}, loss={self.loss}, scale={self.scale}{noise}"
            + (f"\n  {self.note}" if self.note else "")
        )


DEEP_MNIST = Recipe(
    "deep_mnist", models.deep_autoencoder, "mnist", epochs=10, batch_size=256, original_epochs=100,
    note="784-256-128-64-10, ReLU, sigmoid output; the original trained 100 epochs.",
)
FASHION_3D = Recipe(
    "fashion_3d", models.fashion_autoencoder, "fashion-mnist", epochs=10, batch_size=64, weight_decay=1e-5,
    original_epochs=10, note="784-128-64-12-3, ReLU, sigmoid output, weight decay 1e-5 (as the original).",
)
TANH_MNIST = Recipe(
    "tanh_mnist", models.tanh_autoencoder, "mnist", epochs=10, batch_size=128, scale="symmetric",
    original_epochs=20, note="784-128-64-16-3, ReLU, Tanh output, inputs Normalize(0.5, 0.5) to [-1, 1].",
)
CONV_DENOISER = Recipe(
    "conv_denoiser", models.ConvDenoiser, "mnist", epochs=1, batch_size=20, noise_std=0.5, original_epochs=20,
    note="the original's conv denoiser (72-d bottleneck), noise sigma 0.5 clipped; it trained 20 epochs.",
)
UNET_DENOISER = Recipe(
    "unet_denoiser", models.UNetDenoiser, "mnist", epochs=1, batch_size=128, lr=2e-3, noise_std=0.5, original_epochs=1,
    note="our stronger denoiser: a 2-level U-Net with skip connections predicting a residual.",
)
SIGMOID_MLP = Recipe(
    "sigmoid_mlp", models.SigmoidMLP, "mnist", epochs=10, batch_size=256, lr=1e-2, loss="half_mse",
    original_epochs=10, note="every Linear followed by a Sigmoid, [784, 256, 128, 100]; loss 0.5 * MSE.",
)
RELU_MLP = replace(
    SIGMOID_MLP, name="relu_mlp", model=lambda: models.SigmoidMLP(activation="relu"),
    note="the same MLP with ReLU hidden layers and a linear code (only the output keeps its sigmoid).",
)

# Lesson 07: how many numbers does a digit need? Every model trains within the lesson's few minutes on 2 cores;
# the one-cycle schedule (a warm-up to a high peak, then a long fall) gets the most out of two epochs.
CODE_SIZES = (2, 4, 8, 16, 32, 64)


def _code_size_recipe(k: int) -> Recipe:
    return Recipe(
        f"code_size_{k}", partial(models.code_size_autoencoder, k), "mnist", epochs=2, batch_size=128, lr=6e-3,
        schedule="onecycle", note=f"784-256-128-{k}, ReLU, sigmoid output: one point of the code-size sweep.",
    )


CODE_SIZE_SWEEP = {k: _code_size_recipe(k) for k in CODE_SIZES}
LINEAR_10 = Recipe(
    "linear_10", partial(models.linear_autoencoder, 10), "mnist", epochs=5, batch_size=256, lr=1e-2,
    schedule="onecycle", note="784-10-784 with no activation: the autoencoder that can only be PCA.",
)
SHALLOW_30 = Recipe(
    "shallow_30", partial(models.shallow_autoencoder, 30), "mnist", epochs=20, batch_size=256, lr=3e-3,
    schedule="onecycle", original_epochs=60,
    note="784-30-784, linear code, sigmoid output: nearly converged in 20 epochs (about 10 s); original() gives "
    "it the deep model's training time (60 epochs).",
)
HINTON_2006 = Recipe(
    "hinton2006", models.hinton2006_autoencoder, "mnist", epochs=3, batch_size=128, lr=1e-3,
    original_epochs=75, original_settings=(("lr", 2e-3), ("schedule", "onecycle")),
    note="784-1000-500-250-30, ReLU, linear code, sigmoid output (Hinton & Salakhutdinov, 2006). The long run "
    "(`python -m aelib challenge hinton2006`): 75 epochs, one-cycle to lr 2e-3, about 28 minutes on 2 cores.",
)

# Lesson 08: variational autoencoders. loss="bce_sum" (nats per image) plus the KL term the model adds itself
# (aelib.losses): fit minimises the negative ELBO. The anchor is pytorch/examples' vae/main.py, setting for setting.
VAE_ANCHOR = Recipe(
    "vae_anchor", models.anchor_vae, "mnist", epochs=10, batch_size=128, lr=1e-3, loss="bce_sum",
    original_epochs=10, note="pytorch/examples vae/main.py: 784-400-20, ReLU, sigmoid output, BCE summed + KL.",
)
VAE_STRONG = Recipe(
    "vae_strong", models.strong_vae, "mnist", epochs=12, batch_size=256, lr=8e-3, schedule="onecycle",
    loss="bce_sum", note="ours: 784-512-256-32 with ELU, the same loss, 12 epochs in batches of 256 with a one-cycle "
    "schedule to 8e-3.",
)
VAE_2D = Recipe(
    "vae_2d", partial(models.VAE, (400,), 2), "mnist", epochs=3, batch_size=128, lr=1e-3, loss="bce_sum",
    note="784-400-2: a code of two numbers, to draw the whole decoded code space (Kingma & Welling, Fig. 4).",
)
BETAS = (0.0, 1.0, 30.0)  # the KL weights lesson 08 compares: none, the ELBO's, one that collapses the posterior
# A KL weight of 30 collapses the posterior within the first epochs (KL 0.04 nats per image after 3 epochs, 0.03
# after 5, 0.02 after 10; reconstruction 205.8 nats after 3 and 10): 3 epochs show the same thing as 10.
COLLAPSE_EPOCHS = 3


def _beta_recipe(beta: float) -> Recipe:
    if beta == 1.0:
        return VAE_ANCHOR
    if beta == 0.0:
        note = "the anchor VAE with its KL term switched off: a plain autoencoder with (shrinking) noisy codes."
        return replace(VAE_ANCHOR, name="vae_beta_0", term_weights=(("kl", 0.0),), note=note)
    return replace(VAE_ANCHOR, name=f"vae_beta_{beta:g}", term_weights=(("kl", beta),), epochs=COLLAPSE_EPOCHS,
                   original_epochs=VAE_ANCHOR.epochs,
                   note=f"the anchor VAE with its KL term weighted {beta:g} (a beta-VAE; 1 is the ELBO); "
                   f"{COLLAPSE_EPOCHS} epochs: it has collapsed by then.")


VAE_BETA = {beta: _beta_recipe(beta) for beta in BETAS}

# Lesson 09: one autoencoder per class ("one class in, everything else out", Ruff et al., 2018). Each trains on its
# class among the first 50,000 training images; that class among the last 10,000 (the usual validation split) is
# held out to choose thresholds on. Five epochs of a one-cycle schedule reach what twenty at a constant 1e-3 do.
ONE_CLASS_DATASETS = ("mnist", "fashion-mnist")
ONE_CLASS_TRAIN = 50_000


def _one_class_recipe(dataset: str, label: int) -> Recipe:
    return Recipe(
        f"one_class_{dataset}_{label}", models.one_class_autoencoder, dataset, epochs=5, batch_size=64, lr=3e-3,
        schedule="onecycle", label=label, train_count=ONE_CLASS_TRAIN,
        note=f"784-256-32, ReLU, sigmoid output, on the class-{label} images of the first {ONE_CLASS_TRAIN:,}.",
    )


ONE_CLASS = {(ds, c): _one_class_recipe(ds, c) for ds in ONE_CLASS_DATASETS for c in range(10)}
VAE_FASHION = replace(
    VAE_ANCHOR, name="vae_fashion", dataset="fashion-mnist", epochs=3, original_epochs=10,
    note="pytorch/examples' VAE (784-400-20) on Fashion-MNIST, 3 epochs: what it calls likely, lesson 09 asks.",
)

# Lesson 10: sparse autoencoders, on pixels (an overcomplete code of 1,024 numbers for 784 pixels) and on the hidden
# layer of a small classifier. The pixel models train on the first 20,000 images for two epochs in batches of 128 at
# 2e-3 (about 4 s each): the live directions are strokes and loops by then (in batches of 256 at 1e-3 most were
# still noise), and the lesson keeps its minute and a half.
PIXEL_SAE_IMAGES = 20_000


def _pixel_sae(name: str, model: Callable[[], nn.Module], weights: tuple, note: str) -> Recipe:
    return Recipe(name, model, "mnist", epochs=2, batch_size=128, lr=2e-3, term_weights=weights,
                  train_count=PIXEL_SAE_IMAGES, note=note)


PIXEL_SAES = {
    "dense": _pixel_sae("pixel_dense", partial(models.ReLUSAE, 784, 1024), (("l1", 0.0),),
                        "784-1024-784, ReLU latents, no sparsity penalty: an overcomplete autoencoder."),
    "L1": _pixel_sae("pixel_l1", partial(models.ReLUSAE, 784, 1024), (("l1", 1.2e-3),),
                     "the same with an L1 penalty on the latents, weight 1.2e-3."),
    "TopK": _pixel_sae("pixel_topk", partial(models.TopKSAE, 784, 1024, 16, k_aux=392), (("auxk", 0.5),),
                       "the same keeping only each image's 16 largest latents (TopK), with AuxK."),
}


@cache
def _classifier() -> models.MLPClassifier:
    images, labels = data.load("mnist", "train")
    return probes.train_classifier(models.MLPClassifier(256), images, labels, epochs=3, batch_size=128, lr=1e-3, seed=0)


def classifier() -> models.MLPClassifier:
    """Lesson 10's classifier: 784-256-10 with ReLU, trained 3 epochs on MNIST's 60,000 training images
    (:func:`aelib.probes.train_classifier`: Adam 1e-3, batches of 128, seed 0), in eval mode. Trained once per
    process (about 3 s) and copied on every call, so a change to one copy cannot reach the others."""
    return copy.deepcopy(_classifier())


def classifier_hidden(images: torch.Tensor) -> TensorDataset:
    """The hidden layer of :func:`classifier` for ``images``: a ``TensorDataset`` of ``(N, 256)`` activations,
    what lesson 10's sparse autoencoders train on (:func:`aelib.train.fit` takes it as is)."""
    return TensorDataset(features.hidden_all(_classifier(), images))


# On the hidden layer: 512 latents (twice its width), k = 16, 14 epochs (about 14 s; 10 reached an explained variance
# of 0.951, 14 reach 0.953). AuxK's weight is 0.5, not Gao et al.'s 1/32, and it looks at up to 256 dead latents, not
# 128: with 1/32 and 128, 15 % of the latents were still dead after a short run like this one (with 0.5: 1-2 %).
SAE_TOPK = Recipe(
    "sae_topk", partial(models.TopKSAE, 256, 512, 16, k_aux=256), "mnist", epochs=14, batch_size=512, lr=2e-3,
    term_weights=(("auxk", 0.5),), inputs=classifier_hidden,
    note="256-512-256 on the classifier's hidden layer: TopK with k = 16 and AuxK against dead latents.",
)
SAE_TOPK_NO_AUXK = replace(SAE_TOPK, name="sae_topk_no_auxk", term_weights=(("auxk", 0.0),),
                           note="the same SAE with AuxK's weight 0: the dead latents still measured, never revived.")
SWEEP_K = (4, 8, 16, 32)
SWEEP_L1 = (3e-3, 6e-3, 1.2e-2, 2.4e-2)  # weights whose L0s span what k = 4 … 32 gives
SWEEP_EPOCHS = 2  # short: the sweep compares the two kinds at one budget, it does not train the best SAE


def _sweep_recipe(kind: str, value: float) -> Recipe:
    short = replace(SAE_TOPK, epochs=SWEEP_EPOCHS)
    if kind == "TopK":
        return replace(short, name=f"sae_sweep_topk_{value}", model=partial(models.TopKSAE, 256, 512, value, k_aux=256),
                       note=f"the sweep's TopK SAE with k = {value}, {SWEEP_EPOCHS} epochs.")
    return replace(short, name=f"sae_sweep_l1_{value:g}", model=partial(models.ReLUSAE, 256, 512),
                   term_weights=(("l1", value),),
                   note=f"the sweep's L1 SAE with weight {value:g}, {SWEEP_EPOCHS} epochs.")


SAE_SWEEP = {**{("TopK", k): _sweep_recipe("TopK", k) for k in SWEEP_K},
             **{("L1", w): _sweep_recipe("L1", w) for w in SWEEP_L1}}
RECIPES = {
    r.name: r
    for r in (
        DEEP_MNIST, FASHION_3D, TANH_MNIST, CONV_DENOISER, UNET_DENOISER, SIGMOID_MLP, RELU_MLP,
        *CODE_SIZE_SWEEP.values(), LINEAR_10, SHALLOW_30, HINTON_2006,
        VAE_ANCHOR, VAE_STRONG, VAE_2D, *(r for r in VAE_BETA.values() if r is not VAE_ANCHOR),
        *ONE_CLASS.values(), VAE_FASHION, *PIXEL_SAES.values(), SAE_TOPK, SAE_TOPK_NO_AUXK, *SAE_SWEEP.values(),
    )
}


@dataclass(frozen=True, eq=False)
class _Run:
    """One run of a recipe: the recipe with its setting overrides applied, the seed, the training images."""

    recipe: Recipe
    seed: int
    images: torch.Tensor | None

    @property
    def is_the_lessons(self) -> bool:
        """The course's own run: a recipe of :data:`RECIPES` as it stands, seed 0, its data set's training split."""
        return self.images is None and self.seed == 0 and RECIPES.get(self.recipe.name) == self.recipe

    def settings(self) -> RunSettings:
        return self.recipe.settings.replace(seed=self.seed)

    def tags(self) -> dict[str, str]:
        where = self.recipe.data_tag() if self.images is None else "images given"
        return {"recipe": self.recipe.name, "data": where}

    def identity(self, model: nn.Module, images: torch.Tensor | None = None) -> dict:
        """What ``fit`` records as this run's identity (:func:`aelib.runs.identity`), validation/watch aside.
        ``images``: the training images if loaded already."""
        if images is None:
            images = self.images if self.images is not None else self.recipe.images()[0]
        return identity(model, self.settings(), images, tags=self.tags())

    def path(self, model: nn.Module | None = None, images: torch.Tensor | None = None) -> Path:
        """:func:`aelib.runs.run_path`: ``<name>.pt`` for the lesson's own run, ``<name>-<key>.pt`` for any other.
        ``model``, ``images``: the run's model and training images if built and loaded already (only the model's
        layers count, not its weights)."""
        if self.is_the_lessons:
            return run_path(self.recipe.name)
        if model is None:
            with torch.random.fork_rng(devices=[]):  # building a model draws weights: leave the caller's RNG alone
                model = self.recipe.model()
        return run_path(self.recipe.name, self.identity(model, images))


def _run(recipe: Recipe, seed: int, images: torch.Tensor | None, overrides: dict) -> _Run:
    # Overrides of the recipe's settings make another run; the rest (val, watch, progress, device, …) only
    # change what a run shows or records.
    settings = {k: v for k, v in overrides.items() if k in RunSettings.names()}
    return _Run(replace(recipe, **settings), seed, images)


def checkpoint_path(recipe: Recipe, seed: int = 0, images: torch.Tensor | None = None, **overrides) -> Path:
    """Where :func:`train` saves this run (same arguments as ``train``).

    The lesson's own run — ``recipe`` as :data:`RECIPES` holds it, seed 0, its data set's training split — goes to
    ``<checkpoint_dir>/<name>.pt``, the file the lessons, widgets and quality tests read. Any other run (another
    seed, ``epochs=2``, ``replace(recipe, lr=…)``, a subset of images) goes to ``<name>-<key>.pt``, ``key`` a hash of
    its settings, layers and images: an experiment never replaces the lesson's model, nor another experiment.
    """
    return _run(recipe, seed, images, overrides).path()


def train(
    recipe: Recipe, seed: int = 0, images: torch.Tensor | None = None, save: bool = True, **overrides
) -> tuple[nn.Module, History]:
    """Build and train ``recipe``'s model on its training split; return ``(model, history)``.

    The training split is ``recipe.images()``: all of it, or the first ``train_count`` images of class ``label``.
    ``seed`` seeds the initial weights and :func:`~aelib.train.fit` (same seed, same machine → same numbers).
    ``images`` replaces the training split (e.g. a subset); ``overrides`` go to ``fit`` (``watch=…``,
    ``epochs=…``, ``progress=False`` …). With ``save`` the run is checkpointed to :func:`checkpoint_path` — a file
    kept for this run alone, so whatever is there (an interrupted or damaged copy of it) is replaced; a
    ``checkpoint=`` of your own is guarded by ``fit`` as usual. Under ``AELIB_REUSE_CHECKPOINTS=1``, a checkpoint
    there that holds this very run, finished, is loaded instead of trained again (``fit``'s ``reuse``: same
    layers, settings, seed and images) — for re-running a lesson in seconds; the tests of the student copies use it.
    """
    run = _run(recipe, seed, images, overrides)
    torch.manual_seed(seed)
    model = recipe.model()
    if images is None:
        images, _ = recipe.images()
    kwargs = {"tags": run.tags(), **overrides}
    if save and "checkpoint" not in overrides:
        kwargs.update(checkpoint=run.path(model, images), overwrite=True)
    history = fit(model, images, run.settings(), **kwargs)
    return model, history


def load(recipe: Recipe, seed: int = 0, **overrides) -> nn.Module:
    """The model of a finished run of ``recipe`` from its checkpoint (:func:`checkpoint_path`), in eval mode.

    Used only if the file holds exactly this run, finished: the same layers, settings, seed, epochs and training
    images (validation and watch images aside). Raises ``FileNotFoundError`` when there is no file and
    :class:`~aelib.checkpoint.CheckpointError` (``reason`` in one line) when it is damaged, foreign, another run
    or unfinished.
    """
    run = _run(recipe, seed, None, overrides)
    torch.manual_seed(seed)
    model = recipe.model()
    path = run.path(model)
    saved = load_checkpoint(path, model)
    other = other_run(saved["config"], run.identity(model))
    if other:
        raise CheckpointError(path, other)
    if saved["epoch"] != run.recipe.epochs:
        raise CheckpointError(path, f"holds {saved['epoch']} of the run's {run.recipe.epochs} epochs: unfinished")
    return model.eval()


def load_or_train(recipe: Recipe, seed: int = 0, **overrides) -> nn.Module:
    """The model a lesson trained (its checkpoint, see :func:`load`), or — when there is none — a freshly trained
    one, saved for next time.

    Never fails because of the file: a missing one means "train it now"; one that cannot be used for any reason
    (damaged, foreign, another run's settings, unfinished: any exception reading it) is reported in one line and
    the recipe is trained again (with a progress bar unless ``progress=False``), replacing it.
    """
    try:
        return load(recipe, seed, **overrides)
    except FileNotFoundError:
        pass
    except Exception as err:  # whatever went wrong, the file is of no use: say why in a line and train
        path = checkpoint_path(recipe, seed, **overrides)
        why = err.reason if isinstance(err, CheckpointError) else f"{type(err).__name__}: {err}"
        print(f"{path} could not be used: {why.splitlines()[0]}; training {recipe.name} again.")
    model, _ = train(recipe, seed=seed, **overrides)
    return model.eval()
