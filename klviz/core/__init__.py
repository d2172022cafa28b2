"""The numpy-only heart of klviz: divergences, distributions and presets, optimiser.

Nothing under ``klviz.core`` may import Qt or pyqtgraph (a test enforces it), so the CLI's
``stats`` and ``fit`` stay fast and headless.
"""

from klviz.core.distributions import (
    MAX_BINS,
    Preset,
    as_distribution,
    get_preset,
    normalize,
    preset_names,
    to_distribution,
    validate_weights,
)
from klviz.core.divergence import (
    alpha_divergence,
    cross_entropy,
    entropy,
    infinite_bins,
    js_divergence,
    kl_divergence,
    pointwise_kl,
    renyi_divergence,
    summary,
    surprise,
    total_variation,
)

__all__ = [
    "MAX_BINS",
    "Preset",
    "alpha_divergence",
    "as_distribution",
    "cross_entropy",
    "entropy",
    "get_preset",
    "infinite_bins",
    "js_divergence",
    "kl_divergence",
    "normalize",
    "pointwise_kl",
    "preset_names",
    "renyi_divergence",
    "summary",
    "surprise",
    "to_distribution",
    "total_variation",
    "validate_weights",
]
