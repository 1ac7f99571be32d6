"""The course's own tooling, apart from what a learner imports: the site (``book``), the classroom copies and
grading (``student``), the course runner (``course``), the lessons' metadata and the one notebook executor
(``lessons``), the vendored widget manager (``vendor``) and the trainer's benchmark (``bench``).

``import aelib`` and the learner's modules (data, models, train, metrics, plots, …) never import this package, so a
learner's kernel loads no Sphinx, MyST-NB or notebook machinery (import-linter holds it; docs/architecture.md).
"""
