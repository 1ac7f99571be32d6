"""aelib.exercises: every check accepts a right answer and rejects plausible wrong ones with a learner-facing message.

The messages are the product here: each rejection test pins the hint a learner gets for that mistake. Checks that
train on (or read) real MNIST are marked ``integration``; they take a few seconds each on 2 cores.
"""

from __future__ import annotations

import inspect
import linecache
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from aelib import exercises as ex
from aelib import models
from aelib.exercises import ExerciseError

CHECKS = [getattr(ex, name) for name in ex.__all__ if name.startswith("check_")]


def rejects(check, *answers, match: str, **kwargs) -> str:
    """Run ``check`` on a wrong answer; assert it raises ExerciseError with a message matching ``match``."""
    with pytest.raises(ExerciseError) as info:
        check(*answers, **kwargs)
    message = str(info.value)
    assert re.search(match, message), message
    assert "Traceback" not in message and 'File "' not in message, message
    return message


def accepts(check, *answers, capsys, **kwargs) -> str:
    assert check(*answers, **kwargs) is None  # nbgrader would read a returned value as partial credit
    out = capsys.readouterr().out
    if not kwargs.get("hidden"):
        assert out.startswith("✓ Correct: "), out
    return out


def stub(*args, **kwargs):
    raise NotImplementedError()


# ----------------------------------------------------------------------------------------------------------------
# The plumbing


def test_exercise_error_is_an_assertion_error_whose_text_is_the_message():
    err = ExerciseError("Expected 3, got 4. Hint: count again.")
    assert isinstance(err, AssertionError)
    assert str(err) == "Expected 3, got 4. Hint: count again." == err.message


def test_every_check_is_exported_and_documented():
    assert len(CHECKS) >= 12
    for check in CHECKS:
        assert check.__doc__, check.__name__
        assert "hidden" in inspect.signature(check).parameters, check.__name__


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_a_stub_gets_not_done_yet(check):
    required = [p for p in inspect.signature(check).parameters.values() if p.default is inspect.Parameter.empty]
    message = rejects(
        check,
        *[stub] * len(required),
        match=r"^Not done yet: replace the `raise "
        r"NotImplementedError\(\)` line in `stub`",
    )
    assert "run this check again" in message


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_passing_the_result_instead_of_the_function_is_explained(check):
    required = [p for p in inspect.signature(check).parameters.values() if p.default is inspect.Parameter.empty]
    rejects(check, *[42] * len(required), match=r"Expected a function here, got a int")


def test_a_learners_exception_is_wrapped_with_type_message_and_line():
    source = "def to_symmetric(images):\n    x = images.float()\n    return x.view(3, 3)\n"
    filename = "/tmp/ipykernel_4242/123456.py"  # how ipykernel names a cell's code
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {}
    exec(compile(source, filename, "exec"), namespace)
    try:
        message = rejects(ex.check_to_symmetric, namespace["to_symmetric"], match=r"raised RuntimeError")
    finally:
        del linecache.cache[filename]
    assert "in `to_symmetric`, line 3 of its cell: `return x.view(3, 3)`" in message
    assert "to_symmetric(<uint8 images (4, 28, 28)>)" in message


def test_a_bare_not_implemented_error_deep_in_a_library_is_not_mistaken_for_a_stub():
    def calls_a_library(images):
        raise NotImplementedError("UNetDenoiser has no decode")

    rejects(ex.check_to_symmetric, calls_a_library, match=r"raised NotImplementedError: UNetDenoiser has no decode")


def test_checks_leave_the_global_rng_and_thread_count_alone(capsys):
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ex.check_deconv_size(lambda size, kernel, stride, padding=0: (size - 1) * stride + kernel - 2 * padding)
    ex.check_encoder_parameters(lambda: 242_762)
    with pytest.raises(ExerciseError):
        ex.check_encoder_parameters(lambda: 1)
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == threads


class FakeShell:
    def __init__(self, installed=()):
        self.custom_exceptions = installed
        self.shown = []

    def set_custom_exc(self, exc_tuple, handler):
        self.custom_exceptions, self.handler = exc_tuple, handler

    def _showtraceback(self, etype, value, stb):
        self.shown.append((etype.__name__, str(value), stb))


def test_ipython_shows_an_exercise_error_as_its_message_only(monkeypatch):
    import IPython

    shell = FakeShell()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert ex.install_ipython_handler()
    assert shell.custom_exceptions == (ExerciseError,)
    stb = shell.handler(shell, ExerciseError, ExerciseError("Expected 3, got 4."), None)
    assert shell.shown == [("ExerciseError", "Expected 3, got 4.", stb)]
    assert len(stb) == 1 and stb[0].endswith("ExerciseError\x1b[0m: Expected 3, got 4.")
    assert ex.install_ipython_handler()  # idempotent


def test_someone_elses_ipython_handler_is_left_alone(monkeypatch):
    import IPython

    shell = FakeShell(installed=(KeyError,))
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert not ex.install_ipython_handler()
    assert shell.custom_exceptions == (KeyError,)
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert not ex.install_ipython_handler()


# ----------------------------------------------------------------------------------------------------------------
# Lesson 01


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


# ----------------------------------------------------------------------------------------------------------------
# Lesson 02


def test_shape_table(capsys):
    right = [(32, n) for n in (256, 128, 64, 10, 64, 128, 256, 784)]
    accepts(ex.check_shape_table, lambda: right, capsys=capsys)
    accepts(ex.check_shape_table, lambda: [torch.Size(s) for s in right], capsys=capsys)
    rejects(ex.check_shape_table, lambda: right[:4], match=r"8 Linear layers.*your table has 4 rows")
    rejects(ex.check_shape_table, lambda: [(s[1],) for s in right], match=r"start every shape with 32")
    rejects(
        ex.check_shape_table,
        lambda: right[:-1] + [(32, 1, 28, 28)],
        match=r"Row 8 \(decoder Linear\(256, 784\)\) outputs \(32, 784\)",
    )
    rejects(ex.check_shape_table, lambda: right[:-1] + ["(32, 784)"], match=r"a tuple of ints")


def test_encoder_parameters(capsys):
    out = accepts(ex.check_encoder_parameters, lambda: 242_762, capsys=capsys)
    assert "242,304 weights + 458 biases" in out
    rejects(ex.check_encoder_parameters, lambda: 242_304, match=r"weights only")
    rejects(
        ex.check_encoder_parameters,
        lambda: models.count_parameters(models.deep_autoencoder()),
        match=r"whole autoencoder",
    )
    rejects(ex.check_encoder_parameters, lambda: 243_536, match=r"decoder's count")
    rejects(ex.check_encoder_parameters, lambda: 1_000, match=r"in × out weights")


def make_autoencoder(code_size):
    return models.DenseAutoencoder([784, 128, code_size], output="sigmoid", activation="relu")


def test_code_size_experiment_rejects_a_wrong_model_before_training():
    rejects(
        ex.check_code_size_experiment,
        lambda: "higher",
        lambda k: make_autoencoder(10),
        match=r"make_autoencoder\(2\)` built a model with code_size 10, expected 2",
    )
    rejects(
        ex.check_code_size_experiment,
        lambda: "higher",
        lambda k: models.DenseAutoencoder([784, 256, 128, 64, k]),
        match=r"has 486,298 parameters; a 784-128-10 autoencoder has 204,314",
    )
    rejects(ex.check_code_size_experiment, lambda: "bigger", make_autoencoder, match=r"one of 'higher'")
    rejects(ex.check_code_size_experiment, lambda: "higher", lambda k: None, match=r"should return a model")
    rejects(
        ex.check_code_size_experiment,
        lambda: "higher",
        lambda k: torch.nn.Linear(784, k),
        match=r"raised RuntimeError|turned 2 images",
    )
    ex.check_code_size_experiment(lambda: "higher", make_autoencoder, hidden=True)  # no training when hidden


@pytest.mark.integration
def test_code_size_experiment_trains_and_compares(capsys, one_thread):
    from aelib.baselines import PCA
    from aelib.data import load

    pca = PCA().fit(load("mnist", "train")[0][:10_000])
    out = accepts(ex.check_code_size_experiment, lambda: "higher", make_autoencoder, pca=pca, capsys=capsys)
    assert "with a 2-number code" in out and "PCA-2" in out
    rejects(
        ex.check_code_size_experiment,
        lambda: "lower",
        make_autoencoder,
        match=r"^Measured: .* — higher\. You predicted 'lower'",
    )


# ----------------------------------------------------------------------------------------------------------------
# Lesson 03


def test_output_activations(capsys):
    right = {"unit": "sigmoid", "symmetric": "tanh", "standardized": "none"}
    accepts(ex.check_output_activations, lambda: right, capsys=capsys)
    accepts(ex.check_output_activations, lambda: {k: f" {v.upper()} " for k, v in right.items()}, capsys=capsys)
    rejects(
        ex.check_output_activations,
        lambda: {**right, "symmetric": "sigmoid"},
        match=r"you chose 'sigmoid'.*never reach the targets below 0 \(down to -1\)",
    )
    rejects(ex.check_output_activations, lambda: {**right, "unit": "relu"}, match=r"no upper limit")
    rejects(ex.check_output_activations, lambda: {**right, "standardized": "tanh"}, match=r"stops at 1")
    rejects(ex.check_output_activations, lambda: {**right, "unit": "softmax"}, match=r"should be one of")
    rejects(ex.check_output_activations, lambda: "tanh", match=r"Return a dict with the keys")


def sigmoid_floor(images):
    x = images.float() / 255
    return ((x.clamp(min=0.5) - x) ** 2).mean().item()


def test_sigmoid_floor_on_random_images(capsys):
    accepts(ex.check_sigmoid_floor, sigmoid_floor, hidden=True, capsys=capsys)
    rejects(ex.check_sigmoid_floor, lambda im: 4 * sigmoid_floor(im), hidden=True, match=r"in \[-1, 1\] units")
    rejects(ex.check_sigmoid_floor, lambda im: sigmoid_floor(im) * 255**2, hidden=True, match=r"divide the bytes")
    rejects(ex.check_sigmoid_floor, lambda im: "0.2", hidden=True, match=r"should be a number")


@pytest.mark.integration
def test_sigmoid_floor_on_mnist(capsys):
    out = accepts(ex.check_sigmoid_floor, sigmoid_floor, sigmoid_mse=0.25, capsys=capsys)
    assert "at least 0.208" in out and "83.1%" in out
    rejects(ex.check_sigmoid_floor, lambda im: 0.25 * (im == 0).float().mean().item(), match=r"only the black pixels")


# ----------------------------------------------------------------------------------------------------------------
# Lesson 04


def add_noise(x, std, generator):
    return (x + std * torch.randn(x.shape, generator=generator, dtype=x.dtype)).clamp(0, 1)


def test_noise_fn(capsys):
    out = accepts(ex.check_noise_fn, add_noise, capsys=capsys)
    assert "std 0.100" in out
    accepts(ex.check_noise_fn, add_noise, hidden=True, capsys=capsys)
    rejects(ex.check_noise_fn, lambda x, s, g: (x + s * torch.randn(x.shape)).clamp(0, 1), match=r"seeded alike")
    rejects(
        ex.check_noise_fn,
        lambda x, s, g: (x + s * torch.rand(x.shape, generator=g)).clamp(0, 1),
        match=r"torch\.rand draws uniform noise",
    )
    rejects(ex.check_noise_fn, lambda x, s, g: x + s * torch.randn(x.shape, generator=g), match=r"clip with")
    rejects(
        ex.check_noise_fn,
        lambda x, s, g: (x + s * s * torch.randn(x.shape, generator=g)).clamp(0, 1),
        match=r"std² \(the variance\)",
    )
    rejects(
        ex.check_noise_fn,
        lambda x, s, g: x.add_(s * torch.randn(x.shape, generator=g)).clamp_(0, 1),
        match=r"changed its input x in place",
    )
    rejects(
        ex.check_noise_fn, lambda x, s, g: (x + s * torch.randn(1, generator=g)).clamp(0, 1), match=r"same noise value"
    )
    rejects(ex.check_noise_fn, lambda x, s, g: x.clone(), match=r"no noise was added")
    rejects(ex.check_noise_fn, lambda x, s, g: add_noise(x, s, g)[0], match=r"shape of x")


def test_noise_fn_must_clip_not_squash():
    def squash(x, std, generator):
        y = x + std * torch.randn(x.shape, generator=generator)
        return (y - y.min()) / (y.max() - y.min())  # in [0, 1], but not the course's noise

    rejects(ex.check_noise_fn, squash, match=r"averages|standard deviation|stay exactly 0")


def test_deconv_size(capsys):
    right = lambda size, kernel, stride, padding=0: (size - 1) * stride + kernel - 2 * padding  # noqa: E731
    accepts(ex.check_deconv_size, right, capsys=capsys)
    accepts(ex.check_deconv_size, right, hidden=True, capsys=capsys)
    rejects(ex.check_deconv_size, lambda s, k, st, p=0: s * st, match=r"should be 7.*got 6.*kernel = stride")
    rejects(ex.check_deconv_size, lambda s, k, st, p=0: (s - 1) * st + k, match=r"padding=1\)` should be 5")
    rejects(ex.check_deconv_size, lambda s, k, st, p=0: (s + 2 * p - k) // st + 1, match=r"ordinary convolution")


# ----------------------------------------------------------------------------------------------------------------
# Lesson 05


def train_step(model, optimizer, x):
    loss = 0.5 * F.mse_loss(model(x), x)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def test_train_step_against_the_reference_step(capsys):
    accepts(ex.check_train_step, train_step, hidden=True, capsys=capsys)

    def full_mse(model, optimizer, x):
        loss = F.mse_loss(model(x), x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    accepts(ex.check_train_step, full_mse, hidden=True, capsys=capsys)


def _step(zero=True, step=True, backward=True, target=None, result="item"):
    def train_step(model, optimizer, x):
        loss = F.mse_loss(model(x), x if target is None else target(x))
        if zero:
            optimizer.zero_grad()
        if backward:
            loss.backward()
        if step:
            optimizer.step()
        if result == "tensor":
            return loss
        if result == "after":
            return F.mse_loss(model(x), x).item()
        return loss.item()

    return train_step


@pytest.mark.parametrize(
    "wrong, match",
    [
        (_step(zero=False), r"second step used the gradients of the first batch.*zero_grad"),
        (_step(step=False), r"did not change, though gradients were computed.*optimizer\.step\(\)"),
        (_step(backward=False, step=False), r"no gradients were computed.*loss\.backward\(\)"),
        (_step(target=torch.zeros_like), r"target of an autoencoder is its input"),
        (_step(result="tensor"), r"returned a tensor; return `loss\.item\(\)`"),
        (_step(result="after"), r"loss before the step was"),
    ],
    ids=["no zero_grad", "no step", "no backward", "wrong target", "tensor", "loss after the step"],
)
def test_train_step_rejects(wrong, match):
    rejects(ex.check_train_step, wrong, hidden=True, match=match)


@pytest.mark.integration
def test_train_step_trains(capsys):
    out = accepts(ex.check_train_step, train_step, capsys=capsys)
    assert "SGD step on 0.5 × MSE exactly" in out


@pytest.mark.integration
def test_loss_scale(capsys):
    out = accepts(ex.check_loss_scale, lambda: "same", capsys=capsys)
    assert "Adam reaches" in out and "plain SGD" in out
    rejects(ex.check_loss_scale, lambda: "faster", match=r"^Measured: .*You predicted 'faster'.*Adam divides")
    rejects(ex.check_loss_scale, lambda: "quicker", match=r"one of 'faster', 'slower', 'same'")


# ----------------------------------------------------------------------------------------------------------------
# Lesson 06


def interpolate(z_a, z_b, ts):
    ts = np.asarray(ts)[:, None]
    return (1 - ts) * z_a + ts * z_b


def test_interpolation(capsys):
    accepts(ex.check_interpolation, interpolate, capsys=capsys)
    accepts(ex.check_interpolation, lambda a, b, ts: torch.from_numpy(interpolate(a, b, ts)), capsys=capsys)
    accepts(ex.check_interpolation, interpolate, hidden=True, capsys=capsys)
    rejects(ex.check_interpolation, lambda a, b, ts: interpolate(a, b, ts).T, match=r"transposed: one ROW per")
    rejects(ex.check_interpolation, lambda a, b, ts: interpolate(b, a, ts), match=r"runs backwards")
    rejects(ex.check_interpolation, lambda a, b, ts: a + ts * (b - a), match=r"raised ValueError.*ts\[:, None\]")
    rejects(
        ex.check_interpolation,
        lambda a, b, ts: np.stack([a] + [(a + b) / 2] * (len(ts) - 2) + [b]),
        match=r"endpoints are right",
    )


def nearest_mse(pixels, image):
    errors = ((pixels - image.reshape(1, -1)) ** 2).mean(axis=1)
    return int(errors.argmin()), float(errors.min())


def test_nearest_mse(capsys):
    accepts(ex.check_nearest_mse, nearest_mse, capsys=capsys)
    accepts(ex.check_nearest_mse, nearest_mse, hidden=True, capsys=capsys)
    rejects(
        ex.check_nearest_mse,
        lambda p, im: (nearest_mse(p, im)[0], 784 * nearest_mse(p, im)[1]),
        match=r"SUM of squared errors",
    )
    rejects(ex.check_nearest_mse, lambda p, im: (nearest_mse(p, im)[0], nearest_mse(p, im)[1] ** 0.5), match=r"RMSE")
    rejects(
        ex.check_nearest_mse,
        lambda p, im: (int(((p - im.reshape(1, -1)) ** 2).mean(1).argmax()), 0.1),
        match=r"FURTHEST image",
    )
    rejects(ex.check_nearest_mse, lambda p, im: nearest_mse(p, im)[1], match=r"two things, \(index, mse\)")


def test_extrapolation_prediction_without_a_model(capsys):
    accepts(ex.check_extrapolation, lambda: "further", hidden=True, capsys=capsys)
    rejects(ex.check_extrapolation, lambda: "nearer", match=r"one of 'closer', 'further'")


@pytest.mark.integration
def test_extrapolation_is_measured(capsys, one_thread):
    from aelib import data
    from aelib.train import fit
    from aelib.widgets import Subject

    torch.manual_seed(0)
    model = models.DenseAutoencoder([784, 128, 10])
    fit(model, data.load("mnist", "train")[0][:10_000], epochs=2, lr=3e-3, progress=False)
    images, labels = data.load("mnist", "test")
    subject = Subject("small", model, images[:2000], labels[:2000])
    out = accepts(ex.check_extrapolation, lambda: "further", subject, capsys=capsys)
    assert "Past the data" in out
    rejects(ex.check_extrapolation, lambda: "closer", subject, match=r"^Measured on 50 pairs: .*'closer'")
