"""The figures the lessons show: image grids, reconstructions, loss curves, latent codes, error maps.

Every function builds its own figure with ``plt.subplots`` (so a notebook shows it when the cell ends) and
returns the :class:`~matplotlib.figure.Figure`; none calls ``plt.show()``.

Images may be given as uint8 in 0–255 or float in [0, 1], torch tensors or numpy arrays, shaped
``(N, 28, 28)``, ``(N, 1, 28, 28)`` or flat ``(N, 784)`` (what an MLP autoencoder outputs). They are always
drawn in grey with the colour scale fixed to 0 (black) … 1 (white), so a faint reconstruction looks faint
instead of being stretched to full contrast.

The figures are grouped by topic, one module each: :mod:`~aelib.plots.images` (grids, reconstructions, the mean
image, class counts, error maps), :mod:`~aelib.plots.training` (loss curves, snapshots), :mod:`~aelib.plots.codes`
(the code space), :mod:`~aelib.plots.denoising`, :mod:`~aelib.plots.detection` (ROC curves, score
histograms, few-label accuracy), :mod:`~aelib.plots.code_size` (code sizes, subspaces, scores
against a paper), :mod:`~aelib.plots.vae` (the ELBO's terms) and :mod:`~aelib.plots.features` (a sparse
autoencoder's directions, sparsity against quality, the purity of units and features). This file only gathers
them, so that ``plots.show_images(...)`` works whichever module a figure lives in. The analysis behind a figure
lives elsewhere (:mod:`aelib.latent`, :mod:`aelib.metrics`, :mod:`aelib.features`).
"""

from aelib.plots.code_size import plot_challenge, plot_code_size_sweep, plot_principal_angles, plot_scores
from aelib.plots.codes import plot_code_slice, plot_codes, plot_path
from aelib.plots.denoising import plot_psnr_vs_sigma
from aelib.plots.detection import plot_few_labels, plot_roc, plot_score_histograms
from aelib.plots.features import plot_density, plot_directions, plot_features, plot_purity, plot_sparsity_tradeoff
from aelib.plots.images import (
    make_grid_image,
    plot_class_counts,
    plot_error_map,
    plot_mean_image,
    reconstruction_grid,
    show_grid,
    show_images,
)
from aelib.plots.training import plot_epoch_snapshots, plot_history
from aelib.plots.vae import plot_elbo_curves, plot_kl_by_dimension

__all__ = [
    "make_grid_image",
    "plot_challenge",
    "plot_class_counts",
    "plot_code_size_sweep",
    "plot_code_slice",
    "plot_codes",
    "plot_density",
    "plot_directions",
    "plot_elbo_curves",
    "plot_epoch_snapshots",
    "plot_few_labels",
    "plot_error_map",
    "plot_features",
    "plot_history",
    "plot_kl_by_dimension",
    "plot_mean_image",
    "plot_path",
    "plot_principal_angles",
    "plot_psnr_vs_sigma",
    "plot_purity",
    "plot_roc",
    "plot_score_histograms",
    "plot_scores",
    "plot_sparsity_tradeoff",
    "reconstruction_grid",
    "show_grid",
    "show_images",
]
