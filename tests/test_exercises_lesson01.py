"""aelib.exercises.lesson01, the checks of ``notebooks/01_data_loading.ipynb``:
each accepts a right answer and rejects plausible wrong ones with a learner-facing message (the message is the
product: each rejection pins the hint). Checks that train on or read real MNIST are marked ``integration``."""

from __future__ import annotations

import torch

from aelib import exercises as ex
from tests.checking import accepts, rejects


def to_symmetric(images):
    return (images.float().unsqueeze(1) / 255 - 0.5) / 0.5


def test_to_symmetric(capsys):
    accepts(ex.check_to_symmetric, to_symmetric, capsys=capsys)
    accepts(ex.check_to_symmetric, lambda im: to_float_twice(im), capsys=capsys)
    accepts(ex.check_to_symmetric, to_symmetric, hidden=True, capsys=capsys)
    rejects(ex.check_to_symmetric, lambda im: im.float() / 255 * 2 - 1, match=r"got \(4, 28, 28\).*unsqueeze\(1\)")
    rejects(ex.check_to_symmetric, lambda im: im.float().unsqueeze(1) / 255, match=r"ToTensor's values in \[0, 1\]")
    rejects(ex.check_to_symmetric, lambda im: im.float().unsqueeze(1) / 255 - 0.5, match=r"also divide by the std")
    rejects(ex.check_to_symmetric, lambda im: im.float().unsqueeze(1) - 0.5, match=r"divides them by 255")
    rejects(ex.check_to_symmetric, lambda im: im.unsqueeze(1) * 2 - 1, match=r"dtype torch.uint8")
    rejects(ex.check_to_symmetric, lambda im: im.double().unsqueeze(1) / 127.5 - 1, match=r"float64")


def to_float_twice(images):
    from aelib.transforms import to_float

    return to_float(images, "symmetric")  # the library's own answer


def test_to_symmetric_must_not_change_its_input():
    def in_place(images):
        images[:] = 0
        return to_symmetric(images)

    rejects(ex.check_to_symmetric, in_place, match=r"changed the images it was given")


def test_batches_per_epoch(capsys):
    out = accepts(ex.check_batches_per_epoch, lambda: (235, 96), capsys=capsys)
    assert "234 full ones" in out
    accepts(ex.check_batches_per_epoch, lambda: [torch.tensor(235), 96.0], capsys=capsys)
    rejects(ex.check_batches_per_epoch, lambda: (234, 96), match=r"FULL batches.*drop_last=True")
    rejects(ex.check_batches_per_epoch, lambda: (235, 256), match=r"does not hold 256")
    rejects(ex.check_batches_per_epoch, lambda: 235, match=r"Return two numbers")
    rejects(ex.check_batches_per_epoch, lambda: (938, 32), match=r"batch_size=64")
    rejects(ex.check_batches_per_epoch, lambda: (234.4, 96), match=r"whole number")


def shuffled_batches(x, batch_size, generator):
    order = torch.randperm(len(x), generator=generator)
    return [x[order[i : i + batch_size]] for i in range(0, len(x), batch_size)]


def test_shuffled_batches(capsys):
    accepts(ex.check_shuffled_batches, shuffled_batches, capsys=capsys)
    accepts(ex.check_shuffled_batches, lambda x, b, g: iter(shuffled_batches(x, b, g)), capsys=capsys)  # a generator
    accepts(ex.check_shuffled_batches, shuffled_batches, hidden=True, capsys=capsys)
    rejects(
        ex.check_shuffled_batches, lambda x, b, g: [x[i : i + b] for i in range(0, len(x), b)], match=r"original order"
    )
    rejects(ex.check_shuffled_batches, lambda x, b, g: shuffled_batches(x, b, None), match=r"seeded alike")
    rejects(
        ex.check_shuffled_batches,
        lambda x, b, g: [x[torch.randint(0, len(x), (b,), generator=g)] for _ in range(0, len(x), b)],
        match=r"batch sizes \[256, 256, 256, 232\], got \[256, 256, 256, 256\]",
    )
    rejects(
        ex.check_shuffled_batches,
        lambda x, b, g: [x[torch.randperm(len(x), generator=g)[i : i + b]] for i in range(0, len(x), b)],
        match=r"exactly once per epoch.*draw ONE permutation",
    )
    rejects(ex.check_shuffled_batches, lambda x, b, g: torch.cat(shuffled_batches(x, b, g)), match=r"sequence of")
