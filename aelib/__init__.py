"""aelib — the helper package of a hands-on PyTorch course on autoencoders.

Modules, one idea each, on four floors; imports only go down (docs/architecture.md; checked by
``lint-imports`` with the contracts in ``pyproject.toml``):

- top: ``__main__`` (the CLI), ``widgets`` (the explorers), ``exercises`` (the checks), ``course``, ``student``,
  ``bench``;
- upper: ``recipes`` (every training set-up), ``plots`` (every figure), ``latent`` (what a model does with codes),
  ``sampling`` (new images from a code space);
- middle: ``train`` (``fit``) and ``checkpoint``, ``baselines`` (PCA, the linear denoiser);
- ground: ``idx``, ``catalog``, ``sources``, ``data`` (the verified cache), ``transforms``, ``models``, ``losses``
  (what ``fit`` minimises, and the loss-terms protocol), ``metrics``, ``cpu``, ``schedule``.

Importing ``aelib`` imports none of them: it has no side effects.
"""

__version__ = "0.1.0"
