"""aelib.catalog: the two datasets' names, aliases, splits, class names and canonical checksums."""

from __future__ import annotations

import pytest

from aelib import catalog, data


def test_spec_accepts_the_usual_spellings_and_lists_valid_names():
    for name in ("mnist", "MNIST"):
        assert catalog.spec(name).folder == "MNIST"
    for name in ("fashion-mnist", "fashion_mnist", "FashionMNIST", "Fashion-MNIST"):
        assert catalog.spec(name).name == "fashion-mnist"
    assert catalog.spec(catalog.DATASETS["mnist"]) is catalog.DATASETS["mnist"]
    with pytest.raises(ValueError, match="unknown dataset 'cifar10'; valid names: mnist, fashion-mnist"):
        catalog.spec("cifar10")
    with pytest.raises(ValueError, match="valid splits: train, test"):
        catalog.check_split("validation")


def test_every_dataset_has_four_canonical_checksums_and_ten_classes():
    assert set(catalog.SPLITS) == {"train", "test"}
    for ds in catalog.DATASETS.values():
        assert set(ds.md5) == set(catalog.FILES)
        assert all(len(h) == 32 and int(h, 16) >= 0 for h in ds.md5.values())
        assert len(ds.classes) == 10
    assert catalog.DATASETS["mnist"].md5["t10k-labels-idx1-ubyte"] == "27ae3e4e09519cfbb04c329615203637"
    assert catalog.class_names("fashion-mnist")[9] == "Ankle boot"
    assert catalog.class_names("mnist") == [str(k) for k in range(10)]


def test_data_re_exports_the_catalog_where_lessons_look_for_it():
    assert data.class_names is catalog.class_names and data.DATASETS is catalog.DATASETS
