"""Every figure of sorm, for the commands and the claims alike.

Each function returns a :class:`matplotlib.figure.Figure` (a notebook shows it) and
writes a PNG, atomically, only when given a path. One style throughout: the paper's
notation in labels and titles, the line ηλ = 2, a log step axis for long runs.
"""
from .certify import plot_enclosure
from .convergence import plot_convergence
from .eos import plot_curves, plot_final_ntk
from .loglog import plot_loglog
from .optimizers import plot_optimizer_sweep
from .network import plot_network_central_flow, plot_network_eta, plot_network_z_tilde
from .phase import plot_phase, plot_phase_grid
from .sweep import plot_sweep, plot_sweep_panels, plot_sweep_result
from .trajectory import plot_run, plot_trajectory
from ._style import CLASS_COLOURS, literal

__all__ = ["plot_trajectory", "plot_run", "plot_loglog", "plot_sweep", "plot_sweep_panels", "plot_sweep_result", "plot_phase",
           "plot_phase_grid", "plot_convergence", "plot_enclosure", "plot_final_ntk", "plot_curves",
           "plot_network_eta", "plot_network_z_tilde", "plot_network_central_flow", "plot_optimizer_sweep", "CLASS_COLOURS", "literal"]
