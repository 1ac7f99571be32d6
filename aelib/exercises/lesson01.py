"""Lesson 01 (data loading): the checks of ``notebooks/01_data_loading.ipynb``'s exercises.

See :mod:`aelib.exercises.feedback` for how a check reports (``✓ Correct: …`` or an :class:`ExerciseError`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from aelib.exercises.feedback import as_int, as_tensor, call, check, fail, ok, shape_of, uint8_batch

__all__ = ["check_to_symmetric", "check_batches_per_epoch", "check_shuffled_batches"]


@check
def check_to_symmetric(to_symmetric: Callable, hidden: bool = False) -> None:
    """``to_symmetric(images)``: uint8 ``(N, 28, 28)`` → float32 ``(N, 1, 28, 28)`` in [-1, 1], like
    ``ToTensor()`` followed by ``Normalize(0.5, 0.5)``."""
    __tracebackhide__ = True
    for images in [uint8_batch(1, 1), uint8_batch(7, 2)] if hidden else [uint8_batch(4, 0)]:
        n, before = len(images), images.clone()
        got = as_tensor(
            call(to_symmetric, images, shown=f"to_symmetric(<uint8 images {shape_of(images)}>)"),
            "The result of to_symmetric(images)",
        )
        if not torch.equal(images, before):
            fail(
                "to_symmetric changed the images it was given (in place). Compute a new tensor instead, "
                "e.g. start from `images.float() / 255`."
            )
        if shape_of(got) != (n, 1, 28, 28):
            hint = "Hint: ToTensor() adds a channel dimension; `x.unsqueeze(1)` turns (N, 28, 28) into (N, 1, 28, 28)."
            if got.numel() != n * 784:
                hint = "Hint: return one value per pixel, for every image."
            fail(f"Expected shape ({n}, 1, 28, 28) for {n} images of 28×28, got {shape_of(got)}. {hint}")
        if not got.is_floating_point():
            fail(
                f"Expected float32 values, got dtype {got.dtype}. Hint: convert with `.float()` before dividing; "
                "integer division throws the fractions away."
            )
        if got.dtype != torch.float32:
            fail(f"Expected dtype torch.float32 (what ToTensor gives), got {got.dtype}. Hint: use `.float()`.")
        pixels = images.float().unsqueeze(1) / 255
        expected = (pixels - 0.5) / 0.5
        if torch.allclose(got, expected, atol=1e-5):
            continue
        first = [round(v, 4) for v in got[0, 0, 0, :3].tolist()]
        seen = f"pixel values 0, 255, 128 became {first[0]}, {first[1]}, {first[2]}; expected -1.0, 1.0, 0.0039"
        if torch.allclose(got, pixels, atol=1e-5):
            fail(
                f"Those are ToTensor's values in [0, 1] ({seen}). Hint: now apply Normalize(0.5, 0.5), which "
                "computes (x - 0.5) / 0.5."
            )
        if torch.allclose(got, pixels - 0.5, atol=1e-5):
            fail(
                f"The values lie in [-0.5, 0.5] ({seen}). Hint: you subtracted the mean 0.5; also divide by the "
                "std 0.5."
            )
        if got.max().item() > 1.5:
            fail(
                f"Values go up to {got.max().item():.4g} ({seen}). Hint: bytes run from 0 to 255; ToTensor "
                "divides them by 255 first."
            )
        fail(f"Wrong values: {seen}. Hint: x / 255 gives [0, 1]; (x - 0.5) / 0.5 then gives [-1, 1].")
    if not hidden:
        ok(
            "uint8 (N, 28, 28) → float32 (N, 1, 28, 28) in [-1, 1], the same numbers as ToTensor() + "
            "Normalize(0.5, 0.5)."
        )


@check
def check_batches_per_epoch(batches_per_epoch: Callable, hidden: bool = False) -> None:
    """``batches_per_epoch()`` → ``(n_batches, last_batch_size)`` for 60,000 images at batch size 256."""
    __tracebackhide__ = True
    answer = call(batches_per_epoch, shown="batches_per_epoch()")
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        fail(f"Return two numbers, (n_batches, last_batch_size); got {answer!r}.")
    n, last = (as_int(v, what) for v, what in zip(answer, ("n_batches", "last_batch_size"), strict=True))
    if (n, last) == (235, 96):
        if not hidden:
            ok("235 batches per epoch: 234 full ones of 256 images, then a last one of 96 (60,000 - 234 × 256).")
        return
    if n == 234:
        fail(
            "234 is the number of FULL batches (234 × 256 = 59,904 images). Hint: the remaining 96 images "
            "form one more, partial batch, which a DataLoader keeps unless drop_last=True."
        )
    if (n, last) == (938, 32) or n == 938:
        fail("That is for batch_size=64, the browsing loader. The question is about batch size 256.")
    if n == 235:
        fail(f"235 batches is right, but the last one does not hold {last} images. Hint: 60,000 - 234 × 256.")
    fail(
        f"Got {n} batches, last one {last} images. Hint: divide 60,000 by 256 and round UP — the last, "
        "partial batch counts too."
    )


def _ids(batch: torch.Tensor) -> list[int]:
    return batch.reshape(len(batch), -1)[:, 0].round().long().tolist()


@check
def check_shuffled_batches(shuffled_batches: Callable, hidden: bool = False) -> None:
    """``shuffled_batches(x, batch_size, generator)`` → the batches of one epoch: slices of ``x`` taken in a random
    order drawn from ``generator``, each image exactly once."""
    __tracebackhide__ = True

    def run(n: int, batch_size: int, seed: int) -> list[torch.Tensor]:
        __tracebackhide__ = True
        x = torch.arange(n, dtype=torch.float32).view(n, 1, 1, 1).expand(n, 1, 28, 28).clone()  # image i is all i
        shown = f"shuffled_batches(x of shape {shape_of(x)}, {batch_size}, generator)"
        result = call(shuffled_batches, x, batch_size, torch.Generator().manual_seed(seed), shown=shown)
        if isinstance(result, torch.Tensor) or not isinstance(result, Iterable):
            fail(
                f"`{shown}` should return (or yield) a sequence of batches, got a {type(result).__name__}. "
                "Hint: collect the slices in a list, or `yield` each one."
            )
        batches = list(result)
        for i, b in enumerate(batches):
            if not isinstance(b, torch.Tensor) or b.dim() != 4 or shape_of(b)[1:] != (1, 28, 28):
                what = shape_of(b) if isinstance(b, torch.Tensor) else type(b).__name__
                fail(
                    f"Batch {i} should be a tensor of images (B, 1, 28, 28), got {what}. Hint: slice x itself, "
                    "x[order[start:start + batch_size]]."
                )
        sizes = [len(b) for b in batches]
        want = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
        if sizes != want:
            fail(
                f"For {n} images and batch_size={batch_size} expected batch sizes {want}, got {sizes}. Hint: "
                "step through the order with range(0, len(x), batch_size); the last batch may be smaller, and "
                "there is no empty one."
            )
        ids = [i for b in batches for i in _ids(b)]
        missing, repeated = n - len(set(ids)), len(ids) - len(set(ids))
        if missing or repeated:
            fail(
                f"Every image should appear exactly once per epoch; {missing} of {n} never appeared and "
                f"{repeated} appeared more than once. Hint: draw ONE permutation, torch.randperm(len(x), "
                "generator=generator), and slice it; don't draw random indices for each batch."
            )
        return batches

    cases = [(5, 10, 1), (10, 5, 2), (7, 3, 3)] if hidden else [(1000, 256, 0)]
    for n, batch_size, seed in cases:
        first = [i for b in run(n, batch_size, seed) for i in _ids(b)]
        if n < 100:
            continue
        if first == sorted(first):
            fail(
                "The images come out in their original order. Hint: shuffle by slicing x with a permutation, "
                "x[order[start:start + batch_size]] with order = torch.randperm(len(x), generator=generator)."
            )
        again = [i for b in run(n, batch_size, seed) for i in _ids(b)]
        if again != first:
            fail(
                "Two calls with generators seeded alike gave different orders, so an epoch cannot be repeated. "
                "Hint: pass generator=generator to torch.randperm."
            )
        other = [i for b in run(n, batch_size, seed + 1) for i in _ids(b)]
        if other == first:
            fail(
                "A generator with another seed gave the same order. Hint: draw the order from the generator "
                "you are given: torch.randperm(len(x), generator=generator)."
            )
    if not hidden:
        ok(
            "4 batches (256, 256, 256, 232) holding each of the 1,000 images once, in a shuffled order fixed by the "
            "generator's seed."
        )
