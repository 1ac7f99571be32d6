"""Shapes, ranges, errors and parameter counts of the course's models, and a tiny training sanity check."""

import pytest
import torch
from torch import nn

from aelib.models import (
    ConvDenoiser,
    DenseAutoencoder,
    SigmoidMLP,
    UNetDenoiser,
    code_size_autoencoder,
    count_parameters,
    deep_autoencoder,
    fashion_autoencoder,
    hinton2006_autoencoder,
    layer_shapes,
    linear_autoencoder,
    shallow_autoencoder,
    tanh_autoencoder,
)

DENSE_FACTORIES = {
    "deep": (deep_autoencoder, (784, 256, 128, 64, 10), "sigmoid"),
    "fashion": (fashion_autoencoder, (784, 128, 64, 12, 3), "sigmoid"),
    "tanh": (tanh_autoencoder, (784, 128, 64, 16, 3), "tanh"),
    "code_size_8": (lambda: code_size_autoencoder(8), (784, 256, 128, 8), "sigmoid"),
    "shallow": (shallow_autoencoder, (784, 30), "sigmoid"),
    "hinton2006": (hinton2006_autoencoder, (784, 1000, 500, 250, 30), "sigmoid"),
    "linear": (linear_autoencoder, (784, 10), "none"),
}
ALL_MODELS = {
    "deep": deep_autoencoder,
    "fashion": fashion_autoencoder,
    "tanh": tanh_autoencoder,
    "sigmoid_mlp": SigmoidMLP,
    "relu_mlp": lambda: SigmoidMLP(activation="relu"),
    "conv": ConvDenoiser,
    "unet": lambda: UNetDenoiser(channels=4),
    "linear": linear_autoencoder,
    "shallow": shallow_autoencoder,
}


def images(n: int = 5, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


def dense_parameter_count(sizes) -> int:
    """Weights and biases of the encoder over ``sizes`` plus the mirrored decoder."""
    pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
    return 2 * sum(a * b for a, b in pairs) + sum(b for _, b in pairs) + sum(a for a, _ in pairs)


@pytest.mark.parametrize("name", ALL_MODELS)
def test_forward_keeps_the_image_shape(name):
    model = ALL_MODELS[name]()
    x = images(3)
    assert model(x).shape == (3, 1, 28, 28)
    assert isinstance(model.code_size, int) and isinstance(model.output, str)


@pytest.mark.parametrize("name", ["deep", "fashion", "tanh", "sigmoid_mlp", "conv"])
def test_encode_decode_shapes(name):
    model = ALL_MODELS[name]()
    z = model.encode(images(4))
    assert z.shape == (4, model.code_size)
    assert model.decode(z).shape == (4, 1, 28, 28)
    torch.testing.assert_close(model.decode(z), model(images(4)))


def test_dense_models_take_flat_images_too():
    model = deep_autoencoder()
    x = images(2)
    flat = model(x.view(2, 784))
    assert flat.shape == (2, 784)
    torch.testing.assert_close(flat.view(2, 1, 28, 28), model(x))
    assert model.encode(x.view(2, 784)).shape == (2, 10)


@pytest.mark.parametrize("name", ALL_MODELS)
def test_wrong_input_shape_names_expected_and_got(name):
    model = ALL_MODELS[name]()
    with pytest.raises(ValueError, match=r"expected images of shape \(N, 1, 28, 28\).*got \(2, 28, 28\)"):
        model(torch.rand(2, 28, 28))
    with pytest.raises(ValueError, match=r"got \(2, 3, 28, 28\)"):
        model.encode(torch.rand(2, 3, 28, 28))


def test_flat_input_is_refused_by_conv_models():
    for model in (ConvDenoiser(), UNetDenoiser(channels=2)):
        with pytest.raises(ValueError, match=r"expected images of shape \(N, 1, 28, 28\), got \(2, 784\)"):
            model(torch.rand(2, 784))


def test_decode_checks_the_code_shape():
    with pytest.raises(ValueError, match=r"expected codes of shape \(N, 10\), got \(2, 11\)"):
        deep_autoencoder().decode(torch.rand(2, 11))
    conv = ConvDenoiser()
    assert conv.decode(torch.rand(2, 8, 3, 3)).shape == (2, 1, 28, 28)
    with pytest.raises(ValueError, match=r"\(N, 72\) or \(N, 8, 3, 3\), got \(2, 8, 4, 4\)"):
        conv.decode(torch.rand(2, 8, 4, 4))


def test_conv_code_is_the_flattened_feature_maps():
    conv = ConvDenoiser()
    x = images(2)
    z = conv.encode(x)
    assert conv.code_size == 72
    torch.testing.assert_close(conv.decode(z.view(2, 8, 3, 3)), conv.decode(z))


def test_conv_layer_shapes_go_28_14_7_3_7_14_28():
    model = ConvDenoiser()
    shapes = layer_shapes(model, images(2))
    assert shapes[-1] == ("decoder.sigmoid", (2, 1, 28, 28))
    sizes = [shape[-1] for _, shape in shapes]
    changes = [sizes[0]] + [b for a, b in zip(sizes[:-1], sizes[1:], strict=True) if a != b]
    assert changes == [28, 14, 7, 3, 7, 14, 28]
    assert dict(shapes)["encoder.pool3"] == (2, 8, 3, 3)
    assert not model.encoder.conv1._forward_hooks, "layer_shapes must remove its hooks"


@pytest.mark.parametrize("name", DENSE_FACTORIES)
def test_dense_architectures_and_parameter_counts(name):
    factory, sizes, output = DENSE_FACTORIES[name]
    model = factory()
    assert model.sizes == sizes and model.output == output and model.code_size == sizes[-1]
    assert count_parameters(model) == dense_parameter_count(sizes)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert [m.in_features for m in linears] == list(sizes[:-1]) + list(sizes[:0:-1])


def test_dense_code_is_linear_and_output_activation_last():
    model = deep_autoencoder()
    assert isinstance(model.encoder[-1], nn.Identity)
    assert isinstance(model.decoder[-1], nn.Sigmoid)
    # a linear code can be negative; with x large the encoder's last Linear dominates
    assert (model.encode(images(50) * 50) < 0).any()


def test_sigmoid_mlp_squashes_every_layer_and_relu_variant_does_not():
    mlp = SigmoidMLP()
    acts = [type(m) for m in mlp.encoder] + [type(m) for m in mlp.decoder]
    assert acts[1::2] == [nn.Sigmoid] * 6
    assert count_parameters(mlp) == dense_parameter_count((784, 256, 128, 100))
    z = mlp.encode(images(3))
    assert z.shape == (3, 100) and (z > 0).all() and (z < 1).all()
    relu = SigmoidMLP(activation="relu")
    assert [type(m) for m in relu.encoder][1::2] == [nn.ReLU, nn.ReLU, nn.Identity]
    assert [type(m) for m in relu.decoder][1::2] == [nn.ReLU, nn.ReLU, nn.Sigmoid]


def test_output_ranges():
    x = images(8) * 200 - 100  # extreme inputs push the outputs to their limits
    for model in (deep_autoencoder(), SigmoidMLP(), ConvDenoiser()):
        y = model(x)
        assert y.min() >= 0 and y.max() <= 1
    y = tanh_autoencoder()(x)
    assert y.min() >= -1 and y.max() <= 1 and y.min() < 0
    y = UNetDenoiser(channels=4)(x)
    assert y.min() >= 0 and y.max() <= 1


def test_unet_is_residual_and_refuses_decode():
    model = UNetDenoiser(channels=4)
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.zero_()
    x = images(2)
    torch.testing.assert_close(model(x), x)  # a zero correction returns the input itself
    assert model.encode(x).shape == (2, model.code_size) == (2, 16 * 7 * 7)
    with pytest.raises(NotImplementedError, match="skip"):
        model.decode(model.encode(x))


def test_unet_parameter_count():
    c = 16
    convs = [(1, c, 3), (c, 2 * c, 3), (2 * c, 4 * c, 3), (4 * c, 2 * c, 2), (4 * c, 2 * c, 3)]
    convs += [(2 * c, c, 2), (2 * c, c, 3), (c, 1, 1)]  # (in, out, kernel), transposed ones included
    assert count_parameters(UNetDenoiser(c)) == sum(i * o * k * k + o for i, o, k in convs)


def test_gradients_reach_the_first_layer_of_the_unet():
    model = UNetDenoiser(channels=4)
    loss = (model(images(2) * 0.5 + 0.25) - images(2, seed=1)).square().mean()
    loss.backward()
    assert model.enc1[0].weight.grad.abs().sum() > 0


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="sizes must start with 784"):
        DenseAutoencoder([100, 10])
    with pytest.raises(ValueError, match="unknown output"):
        DenseAutoencoder([784, 10], output="softmax")
    with pytest.raises(ValueError, match="unknown activation"):
        DenseAutoencoder([784, 10], activation="gelu")


def synthetic_digits(n: int = 64) -> torch.Tensor:
    """Smooth blobs at random places: structured images a small model can learn in a few steps."""
    g = torch.Generator().manual_seed(0)
    centres = torch.rand(n, 2, 1, 1, generator=g) * 16 + 6
    grid = torch.arange(28.0)
    d2 = (grid.view(1, 1, 28) - centres[:, 0]) ** 2 + (grid.view(1, 28, 1) - centres[:, 1]) ** 2
    return torch.exp(-d2 / 20).unsqueeze(1)


@pytest.mark.parametrize("name", ["deep", "conv", "unet"])
def test_a_few_training_steps_lower_the_loss(name, one_thread):
    torch.manual_seed(0)
    model = ALL_MODELS[name]()
    x = synthetic_digits(32)
    noisy = (x + 0.3 * torch.randn(x.shape, generator=torch.Generator().manual_seed(1))).clamp(0, 1)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        loss = nn.functional.mse_loss(model(noisy), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.7 * losses[0], losses


def test_the_linear_autoencoder_has_no_activation_anywhere():
    model = linear_autoencoder(6)
    assert [type(m) for m in model.modules() if not list(m.children())] == [nn.Linear, nn.Identity, nn.Linear,
                                                                             nn.Identity]
    x = images(3)
    with torch.no_grad():  # affine: the reconstruction of a mix is the mix of the reconstructions
        mix = model(0.25 * x[:1] + 0.75 * x[1:2])
        assert torch.allclose(mix, 0.25 * model(x[:1]) + 0.75 * model(x[1:2]), atol=1e-5)
