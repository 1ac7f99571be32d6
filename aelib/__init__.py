"""aelib — the helper package of a hands-on PyTorch course on autoencoders.

Modules, one idea each:

- ``aelib.data``: MNIST / Fashion-MNIST, verified byte for byte, cached offline.
- ``aelib.idx``: the IDX file format the datasets are stored in.
- ``aelib.sources``: where the bytes come from (cache, system files, mirrors, package registries).

Importing ``aelib`` imports only this docstring's modules lazily: it has no side effects.
"""

__version__ = "0.1.0"
