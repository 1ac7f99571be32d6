"""Checks for the lessons' exercises: friendly, specific feedback, and an :class:`ExerciseError` on a wrong answer.

Each exercise in a lesson has a cell where the learner writes a function, then a check cell::

    from aelib.exercises import check_noise_fn
    check_noise_fn(add_noise)

A check *calls* the learner's function on fixed inputs (or trains what it builds, briefly, on a small subset) and
tests its behaviour — shapes, ranges, values, a training run reaching a bar — never its source text. On success it
prints one deterministic line, ``✓ Correct: …``. On a wrong answer it raises :class:`ExerciseError`, whose message
says what was expected, what was got, and a hint. A stub that still raises ``NotImplementedError`` gets
"Not done yet: …"; any other exception from the learner's code is wrapped, with the line of their cell it came
from, so a deep traceback from inside torch or aelib is never what the learner has to read. Inside IPython an
:class:`ExerciseError` is shown as its message alone (see :func:`install_ipython_handler`).

Checks return ``None``: nbgrader reads a grade cell's value as partial credit, so they must not return one.
``hidden=True`` runs the extra cases of the instructors' hidden tests (no output on success).

Where things are: :mod:`aelib.exercises.feedback` is the machinery every check shares; the checks of lesson NN
live in ``aelib/exercises/lessonNN.py`` (a new lesson adds its own module and lists it in ``LESSONS`` below).
"""

from __future__ import annotations

from aelib.exercises import (
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    lesson07,
    lesson08,
    lesson09,
    lesson10,
)
from aelib.exercises.feedback import ExerciseError, install_ipython_handler
from aelib.exercises.lesson01 import check_batches_per_epoch, check_shuffled_batches, check_to_symmetric
from aelib.exercises.lesson02 import check_code_size_experiment, check_encoder_parameters, check_shape_table
from aelib.exercises.lesson03 import check_output_activations, check_sigmoid_floor
from aelib.exercises.lesson04 import check_deconv_size, check_noise_fn
from aelib.exercises.lesson05 import check_loss_scale, check_train_step
from aelib.exercises.lesson06 import check_extrapolation, check_interpolation, check_nearest_mse
from aelib.exercises.lesson07 import check_linear_autoencoder_claim, check_pca_mse_prediction, check_principal_angles
from aelib.exercises.lesson08 import check_beta_zero_prediction, check_kl_divergence, check_reparameterize
from aelib.exercises.lesson09 import check_auc_by_ranks, check_blank_image_prediction, check_threshold_for
from aelib.exercises.lesson10 import check_explained_variance, check_feature_vote, check_topk

LESSONS = {  # lesson number → the module of its checks
    "01": lesson01,
    "02": lesson02,
    "03": lesson03,
    "04": lesson04,
    "05": lesson05,
    "06": lesson06,
    "07": lesson07,
    "08": lesson08,
    "09": lesson09,
    "10": lesson10,
}

__all__ = [
    "ExerciseError",
    "LESSONS",
    "check_to_symmetric",
    "check_batches_per_epoch",
    "check_shuffled_batches",
    "check_shape_table",
    "check_encoder_parameters",
    "check_code_size_experiment",
    "check_output_activations",
    "check_sigmoid_floor",
    "check_noise_fn",
    "check_deconv_size",
    "check_train_step",
    "check_loss_scale",
    "check_interpolation",
    "check_nearest_mse",
    "check_extrapolation",
    "check_principal_angles",
    "check_pca_mse_prediction",
    "check_linear_autoencoder_claim",
    "check_reparameterize",
    "check_kl_divergence",
    "check_beta_zero_prediction",
    "check_auc_by_ranks",
    "check_threshold_for",
    "check_blank_image_prediction",
    "check_topk",
    "check_explained_variance",
    "check_feature_vote",
    "install_ipython_handler",
]

install_ipython_handler()
