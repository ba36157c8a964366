"""One figure style for every command and claim.

Figures are built on :class:`matplotlib.figure.Figure` directly (not pyplot): nothing
global is switched (no backend change, no open-figure registry), a notebook displays
the returned figure, and :func:`finish` saves it only when given a path.

Notation (paper §2; docs/theory.md): η the step size, λ the NTK, T = ηλ its rescaled
value, z̃ = ηz the rescaled residual; the edge of stability is λ = 2/η, i.e. ηλ = 2.
"""
from __future__ import annotations

__all__ = ["new_figure", "finish", "literal", "edge_line", "time_axis", "value_axis", "floats", "fmt",
           "log_ticks", "CLASS_COLOURS", "CLASS_LABELS", "EOS_COLOUR"]

#: Colour per trajectory class (numerics.engines.batch.TrajectoryClass member names).
CLASS_COLOURS = {
    "CONVERGED_BELOW": "tab:blue",
    "SELF_STABILIZED": "tab:green",
    "PERIOD2": "tab:orange",
    "CHAOTIC": "tab:purple",
    "BOUNDED": "tab:gray",
    "DIVERGED": "tab:red",
    "UNSTABLE_FIXED_POINT": "black",
    "NO_GRADIENT": "tab:brown",
}

#: Legend label per trajectory class, in the paper's notation.
CLASS_LABELS = {
    "CONVERGED_BELOW": "converged below the edge of stability",
    "SELF_STABILIZED": "converged after the edge (self-stabilized)",
    "PERIOD2": "period 2",
    "CHAOTIC": "chaotic (Lyapunov exponent > 0)",
    "BOUNDED": "bounded, other (e.g. higher period)",
    "DIVERGED": "diverged",
    "UNSTABLE_FIXED_POINT": r"unstable fixed point ($z = 0$, $\eta\lambda \geq 2$)",
    "NO_GRADIENT": r"no gradient ($\eta\lambda = 0$, $z \neq 0$)",
}

#: Colour of the edge-of-stability line ηλ = 2.
EOS_COLOUR = "tab:red"


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 7.0, height: float = 4.2, **kw):
    """A (Figure, axes) pair; axes as ``Figure.subplots`` returns them."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots(nrows, ncols, **kw)


def finish(fig, path=None, option: str | None = None):
    """Save ``fig`` as PNG at ``path`` (atomically) when a path is given; return the figure."""
    if path is not None:
        from ..output import save_figure

        save_figure(fig, path, option)
    return fig


def literal(text) -> str:
    """User text shown as typed: ``$`` does not start mathtext."""
    return str(text).replace("$", r"\$")


def fmt(x) -> str:
    """A number for a title or legend: float64 ``%g``, a Fraction as p/q (never a repr)."""
    from fractions import Fraction

    if isinstance(x, Fraction):
        return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"
    return f"{float(x):g}"


def floats(values):
    """mpf/arb/Fraction/float sequences as a float64 array (for drawing only)."""
    import numpy as np

    return np.array([float(v) for v in values], dtype=float)


def edge_line(ax, *, vertical: bool = False, label: str = r"edge of stability $\eta\lambda = 2$"):
    """The line ηλ = 2 (λ = 2/η, paper §2), dashed, labelled."""
    line = ax.axvline if vertical else ax.axhline
    return line(2.0, color=EOS_COLOUR, ls="--", lw=1.0, label=label)


def time_axis(ax, n_steps: int, *, early: int = 200):
    """Step axis: linear for short runs; symmetric-log (linear up to 10) when the run is long.

    Edge-of-stability dynamics happen in the first tens to hundreds of steps and the rest
    is a slow convergence, so a long linear axis squeezes the interesting part to a sliver.
    """
    if n_steps > early:
        ax.set_xscale("symlog", linthresh=10, linscale=0.5)
    ax.set_xlim(0, max(n_steps, 1))
    ax.set_xlabel(r"step $t$" + (" (log scale beyond 10)" if n_steps > early else ""))


def log_ticks(axis):
    """Plain numbers (0.5, 2, 10) on a log axis instead of 5×10⁻¹; minor ticks labelled only when the axis
    spans under about two decades (else they would crowd)."""
    from matplotlib.ticker import FuncFormatter, LogFormatter

    minor = LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.5))
    minor.set_axis(axis)
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(FuncFormatter(lambda v, pos: f"{v:g}" if minor(v, pos) else ""))


def value_axis(ax, values, *, typical: float = 4.0):
    """Log y when the values span far beyond ``typical`` (a diverging run), so the blow-up is readable."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size and np.max(np.abs(v)) > 10 * typical and np.all(v > 0):
        ax.set_yscale("log")
        return True
    return False
