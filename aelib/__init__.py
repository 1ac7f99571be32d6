"""aelib — the helper package of a hands-on PyTorch course on autoencoders.

Modules, one idea each, on floors; imports only go down. docs/architecture.md lists the floors, and ``lint-imports``
enforces them with the contracts in ``pyproject.toml``. ``aelib.tools`` is the course's own tooling (the site,
classroom copies, the course runner, the benchmark), never imported by the learner's modules.

Importing ``aelib`` imports none of them: it has no side effects.
"""

__version__ = "0.1.0"
