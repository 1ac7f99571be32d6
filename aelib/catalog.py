"""What the two datasets are: their names, cache folders, canonical file checksums, splits and class names.

The ground floor of the data path: :mod:`aelib.sources` (where bytes come from) and :mod:`aelib.data` (the
verified cache) both read these facts; neither imports the other's module for them, so data flows one way,
sources → data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Log = Callable[[str], None]


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset's cache folder, canonical file checksums and class names."""

    name: str
    folder: str  # torchvision's class name, used as the cache folder
    md5: dict[str, str]  # uncompressed IDX file name -> MD5 hex digest
    classes: tuple[str, ...]


FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60_000),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10_000),
}
DATASETS = {
    "mnist": DatasetSpec(
        "mnist",
        "MNIST",
        dict(
            zip(
                FILES,
                (
                    "6bbc9ace898e44ae57da46a324031adb",
                    "a25bea736e30d166cdddb491f175f624",
                    "2646ac647ad5339dbf082846283269ea",
                    "27ae3e4e09519cfbb04c329615203637",
                ),
                strict=True,
            )
        ),
        tuple(str(d) for d in range(10)),
    ),
    "fashion-mnist": DatasetSpec(
        "fashion-mnist",
        "FashionMNIST",
        dict(
            zip(
                FILES,
                (
                    "f4a8712d7a061bf5bd6d2ca38dc4d50a",
                    "9018921c3c673c538a1fc5bad174d6f9",
                    "8181f5470baa50b63fa0f6fddb340f0a",
                    "15d484375f8d13e6eb1aabb0c3f46965",
                ),
                strict=True,
            )
        ),
        (
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
    ),
}


def spec(dataset: str | DatasetSpec) -> DatasetSpec:
    """The :class:`DatasetSpec` of ``"mnist"`` or ``"fashion-mnist"``; a clear error for any other name."""
    if isinstance(dataset, DatasetSpec):
        return dataset
    key = str(dataset).lower().replace("_", "-")
    if key == "fashionmnist":
        key = "fashion-mnist"
    if key not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; valid names: {', '.join(DATASETS)}.")
    return DATASETS[key]


def check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid splits: {', '.join(SPLITS)}.")
    return split


def class_names(dataset: str) -> list[str]:
    """Human-readable class names, index = label (Fashion-MNIST: 'T-shirt/top', …; MNIST: '0'…'9')."""
    return list(spec(dataset).classes)
