"""The one JSON schema of every command's ``--json`` output, its checker and its README rendering.

Conventions (every command):

- a float64 quantity is a JSON number;
- a high-precision value is a decimal string carrying only the digits its record vouches for, next to
  its digit count (the record's ``dps``); exact inputs are exact strings ("1/100", "-2");
- a missing value is ``null`` (never "nan", "", "+inf");
- one key per concept: ``engine`` (what computed it), ``status`` with ``status_message``, ``files``
  (every file written), ``model`` (the exact parameters of the run).

``SCHEMAS[command]`` maps each top-level key to a :class:`Field`; :func:`check` returns the
violations of one output (empty when it conforms); :func:`markdown` renders the README section.
The types, :class:`Field` and the checks themselves are in :mod:`proofs_check.schema_types`.
"""
from __future__ import annotations

from .schema_types import TYPES, Field, check_fields, conventions

__all__ = ["Field", "SCHEMAS", "TYPES", "check", "markdown"]

F = Field
_STATUS = {"status": F("string", "what happened, one word (lower case)"),
           "status_message": F("string", "the status in words")}
_MODEL = F("object", "the exact model of the run", fields={
    "omegas": F("list", "eigenvalues ω_i of Q", items="exact"),
    "z0": F("exact", "initial residual z_0"),
    "J2": F("list", "initial J(ω_i)^2", items="exact"),
    "E": F("exact", "the target E (from the invariant when not given)"),
    "eta": F("exact", "step size η"),
    "theta0": F("list", "initial eigenbasis coordinates θ_i, when given", items="exact", null=True),
})
_RUN = {
    **_STATUS,
    "engine": F("string", "float64, fixed-point, mpmath or theta"),
    "steps": F("integer", "GD steps taken"),
    "dps": F("integer", "decimal digits of the high-precision values (null: float64 numbers)", null=True),
    "work_bits": F("integer", "working precision of the fixed-point engine in bits", null=True),
    "tol": F("value", "the stop rule |z| < tol (null with --steps)", null=True),
    "final": F("object", "the final state (null where a float64 run overflowed)", fields={
        "z": F("value", "residual z", null=True), "J2": F("list", "J(ω_i)^2", items="value", null=True),
        "ntk": F("value", "NTK λ", null=True), "eta_ntk": F("value", "ηλ", null=True)}),
    "digits": F("object", "correct significant digits of each value in `final` (null: float64)", null=True,
                fields={"z": F("integer", "of z (0: no digit is guaranteed, the value is null)"),
                        "J2": F("list", "of each J(ω_i)^2", items="integer"), "ntk": F("integer", "of λ"),
                        "eta_ntk": F("integer", "of ηλ")}),
    "error_bound": F("object", "bound on |value − exact state at the stopping step|: the engine's bound, raised "
                     "to the disagreement with the doubled-precision rerun (null: float64 or not known)", null=True,
                     fields={"z": F("decimal", "of z"), "J2": F("list", "of each J(ω_i)^2", items="decimal"),
                             "ntk": F("decimal", "of λ"), "eta_ntk": F("decimal", "of ηλ")}),
    "agreed_digits": F("object", "digits of each value that agree with a rerun of the same steps at doubled "
                       "precision: the state at the stopping step, not the limit (null: float64)", null=True,
                       fields={"z": F("integer", "of z"), "J2": F("list", "of each J(ω_i)^2", items="integer"),
                               "ntk": F("integer", "of λ"), "eta_ntk": F("integer", "of ηλ")}),
    "limit": F("object", "the limit ηλ_∞ of a converged run (null otherwise)", null=True, fields={
        "distance": F("decimal", "estimated |ηλ_t − ηλ_∞|: 2(2|z̃S̃| + z̃²Σω_i²J̃_i²)/(1 − |1 − ηλ|)"),
        "eta_ntk": F("decimal", "ηλ_∞ to the digits that distance and the error bound leave", null=True),
        "digits": F("integer", "digits of ηλ_∞")}),
    "model": _MODEL,
}

#: The η axis of a sweep's grid (both sweep schemas).
_ETA_GRID = {"eta_min": F("number", "smallest η"), "eta_max": F("number", "largest η"),
             "eta_n": F("integer", "η values"), "eta_scale": F("string", "log or linear")}
_EDGE = {"eta_lambda_edge": F("edge", "the optimizer's edge of stability ηλ* (docs/theory.md §7)"),
         "edge_method": F("string", "exact (a rational root) or interval (a certified root of its equation)")}
_EXPERIMENT = {"experiment": F("string", "which experiment produced the record")}
_END = {"seconds": F("number", "wall time"), "files": F("files", "the figures and the summary JSON written")}
_WILSON = lambda doc: F("object", doc + ", with its 95% Wilson interval", fields={  # noqa: E731
    "k": F("integer", "runs counted"), "n": F("integer", "runs"), "fraction": F("number", "k/n"),
    "lo": F("number", "interval lower end"), "hi": F("number", "interval upper end")})
_INTERVAL = lambda doc: F("object", doc + ": mean and 95% Student-t interval over seeds", fields={  # noqa: E731
    "n": F("integer", "seeds with a value"), "mean": F("number", "", null=True),
    "lo": F("number", "null with fewer than 2 values", null=True), "hi": F("number", "", null=True)})
_NET_RUN = {
    "seed": F("integer", "the seed"), "eta": F("number", "step size η of this seed"),
    "lambda0": F("number", "the network's initial top NTK eigenvalue λ₀"), **_STATUS,
    "initial_eta_ntk": F("number", "ηλ at step 0", null=True), "peak_eta_ntk": F("number", "largest ηλ", null=True),
    "final_eta_ntk": F("number", "ηλ at the end", null=True),
    "eos_mean_eta_ntk": F("number", "mean ηλ over the EOS phase", null=True),
    "eos_std_eta_ntk": F("number", "its standard deviation", null=True),
    "reached_eos": F("boolean", "ηλ reached the edge"), "sharpened": F("boolean", "ηλ grew (progressive sharpening)"),
    "first_eos_step": F("integer", "first checkpoint with ηλ >= 1.9", null=True), "steps": F("integer", "GD steps"),
    "initial_loss": F("number", "", null=True), "final_loss": F("number", "", null=True),
    "plateau": F("object", "the plateau test on the run's second half (numerics/networks/run.py)", fields={
        "holds": F("boolean", "at the edge before the midpoint; in the window every ηλ >= 1.9, mean within 0.1 of 2, "
                              "drift <= 0.1"),
        "result": F("string", "\"at the edge\" or the first condition that failed"),
        "window": F("list", "first and last checkpoint of the second half", items="integer", null=True),
        "mean_eta_ntk": F("number", "mean ηλ in the window", null=True),
        "std_eta_ntk": F("number", "its standard deviation", null=True),
        "low_eta_ntk": F("number", "smallest ηλ in the window", null=True),
        "above_2_fraction": F("number", "fraction of the window's checkpoints with ηλ > 2", null=True),
        "slope": F("number", "fitted slope of ηλ per step (5 block means)", null=True),
        "slope_lo": F("number", "its 95% interval, lower end", null=True),
        "slope_hi": F("number", "upper end", null=True),
        "drift": F("number", "max(|slope_lo|, |slope_hi|) × window length", null=True),
        "sharpening_slope": F("number", "slope of ηλ per step from its low before the edge to the edge", null=True),
        "drift_ratio": F("number", "max(|slope_lo|, |slope_hi|) / sharpening_slope", null=True)})}
_NET_MODEL = lambda doc: F("object", doc, null=True, fields={  # noqa: E731
    **_STATUS, **{k: F("number", "mean over seeds of the runs' " + k, null=True) for k in (
        "initial_eta_ntk", "peak_eta_ntk", "final_eta_ntk", "eos_mean_eta_ntk", "eos_std_eta_ntk")},
    "reached_eos": F("boolean", "every seed reached the edge"), "reached_eos_count": F("integer", "seeds that did"),
    "sharpened": F("boolean", "every seed sharpened"), "sharpened_count": F("integer", "seeds that did"),
    "plateau_mean_eta_ntk": F("number", "mean over seeds of the plateau windows' mean ηλ", null=True),
    "plateau_count": F("integer", "seeds that pass the plateau test"),
    "two_step_pairs": F("integer", "checkpoint pairs in the two-step test"),
    "two_step_rel_error": F("number", "relative error of the normal form's two-step change", null=True),
    "central_flow_points": F("integer", "checkpoints compared with the central flow"),
    "central_flow_loss_rel_error_median": F("number", "median relative error of its predicted loss", null=True),
    "sigma2_median": F("number", "median predicted σ²", null=True),
    "sigma2_measured_median": F("number", "median measured σ²", null=True),
    "runs": F("list", "one record per seed", fields=_NET_RUN)})
_AGREEMENT = lambda doc: F("object", doc, null=True, fields={  # noqa: E731
    **{k: _INTERVAL(k.replace("_", " ")) for k in (
        "first_eos_step_network", "first_eos_step_quadratic", "first_eos_step_difference", "eos_mean_difference",
        "correlation", "max_abs_difference", "faithful_until")},
    "faithful_whole_run": F("integer", "seeds faithful over the whole run"),
    "per_seed": F("list", "one record per seed", fields={
        "seed": F("integer", "the seed"), "first_eos_step": F("list", "network, model", items="integer", null=True),
        "first_eos_step_difference": F("integer", "", null=True),
        "eos_mean_eta_ntk": F("list", "network, model", items="number", null=True),
        "eos_mean_difference": F("number", "", null=True), "correlation": F("number", "of the ηλ curves", null=True),
        "max_abs_difference": F("number", "largest |Δηλ|", null=True),
        "faithful_until": F("integer", "last checkpoint the model stays within tolerance (null: whole run)", null=True),
        "checkpoints": F("integer", "checkpoints compared")})})

SCHEMAS = {
    "simulate": {**_RUN, "files": F("files", "the PNG written with --plot", optional=True)},
    "plot": {**_RUN, "files": F("files", "the PNG written")},
    "simulate --optimizer": {**_RUN, **_EDGE, "optimizer": F("string", "the update rule, as --optimizer spells it"),
                             "files": F("files", "the PNG written with --plot", optional=True)},
    "predict --method threshold": {
        **_STATUS, **_EDGE,
        "engine": F("string", "threshold"),
        "optimizer": F("string", "the update rule, as --optimizer spells it"),
        "eta_lambda_edge_bounds": F("list", "[lower, upper] bounds of ηλ*, rounded outward", items="decimal"),
        "lambda_edge_bounds": F("list", "[lower, upper] bounds of λ* = ηλ*/η, rounded outward", items="decimal"),
        "dps": F("integer", "decimal digits of the bounds"),
        "model": _MODEL,
    },
    "predict": {
        **_STATUS,
        "engine": F("string", "gf (gradient-flow limit) or eos (edge-of-stability normal form)"),
        "dps": F("integer", "decimal digits of the values"),
        "ntk": F("decimal", "predicted final NTK λ, to its true digits", null=True),
        "eta_ntk": F("decimal", "predicted final ηλ, to its true digits", null=True),
        "x_inf": F("decimal", "gf: the flow's end point x_∞, to its agreeing digits", optional=True, null=True),
        "agreed_digits": F("integer", "gf: digits of λ agreeing at doubled precision (those printed)",
                           optional=True, null=True),
        "x_agreed_digits": F("integer", "gf: digits of x_inf agreeing at doubled precision (those printed)",
                             optional=True, null=True),
        "integrated": F("object", "gf --integrate: the integrated flow", optional=True, fields={
            **_STATUS, "ntk": F("decimal", "λ at the end, to the digits its error estimate leaves (null: none)",
                                null=True), "t": F("decimal", "flow time reached"),
            "error_estimate": F("decimal", "the integrator's error estimate"),
            "steps": F("integer", "Taylor steps"), "order": F("integer", "Taylor order"),
            "agreed_digits": F("integer", "digits agreeing with the closed-form limit")}),
        "order": F("integer", "eos: the normal-form order N", optional=True),
        "digits": F("integer", "eos: significant digits of eta_ntk its error estimate leaves (0: no value)",
                    optional=True),
        "error_estimate": F("decimal", "eos: estimated |prediction - limit| (null: no usable value)", null=True,
                            optional=True),
        "epsilon": F("decimal", "eos: distance of the state from (0, 2)", null=True, optional=True),
        "model": _MODEL,
    },
    "certify": {
        "enclosure": F("object", "the certified enclosure of the final ηλ", fields={
            **_STATUS, "detail": F("string", "what happened, in words"),
            "eta_ntk_lo": F("decimal", "lower bound of ηλ_∞", null=True),
            "eta_ntk_hi": F("decimal", "upper bound of ηλ_∞", null=True),
            "width": F("decimal", "hi - lo, rounded up", null=True),
            "ntk_lo": F("decimal", "lower bound of λ_∞", null=True),
            "ntk_hi": F("decimal", "upper bound of λ_∞", null=True),
            "steps": F("integer", "ball-arithmetic steps"), "prec_bits": F("integer", "precision in bits"),
            "route": F("string", "planar or modes"),
            "tail": F("object", "the proved tail bound", null=True, fields={
                "z_bound": F("decimal", "bound on |z~| where the tail starts"),
                "q": F("decimal", "contraction factor"), "C": F("decimal", "tail constant"),
                "bound": F("decimal", "bound on the change of ηλ in the tail")})}),
        "threshold": F("object", "the certified threshold of the fixed line (2-D model)", null=True, fields={
            "certified": F("boolean", "interval Newton and the monotonicity check succeeded"),
            "T_minus": F("list", "ball of the threshold T = 2", items="decimal", null=True),
            "T_plus": F("list", "ball of the threshold T = 0", items="decimal", null=True),
            "ntk_threshold": F("list", "ball of λ* = 2/η", items="decimal", null=True),
            "width": F("decimal", "width of T_minus", null=True), "slope": F("decimal", "d(1 - T)/dT", null=True),
            "search": F("list", "the searched interval", items="exact"),
            "newton_steps": F("integer", "interval Newton steps"), "prec_bits": F("integer", "precision in bits")}),
        "final_stability": F("object", "certified stability of the final point (0, T_∞)", null=True, fields={
            **_STATUS, "T": F("ball", "the final T"), "jacobian": F("list", "J11, J12, J21, J22", items="ball"),
            "transverse_eigenvalue": F("ball", "1 - T"), "neutral_eigenvalue": F("ball", "exactly 1"),
            "J12_exactly_zero": F("boolean", ""), "neutral_exactly_one": F("boolean", ""),
            "sup_abs_transverse": F("decimal", "upper bound of |1 - T|"),
            "inf_abs_transverse": F("decimal", "lower bound of |1 - T|"), "prec_bits": F("integer", "")}),
        "note": F("string", "why the threshold was skipped", optional=True),
        "check": F("object", "--check: high-precision GD against the enclosure", optional=True, fields={
            **_STATUS, "dps": F("integer", "digits"), "eta_ntk": F("decimal", "GD's ηλ_∞, to the digits its estimated distance to the limit leaves", null=True),
            "inside": F("boolean", "the GD value lies in the enclosure")}),
        "model": _MODEL,
    },
    "sweep": {
        "engine": F("string", "the float64 back end that ran (numba or numpy)"),
        "map": F("string", "the map iterated: planar (the 2-D map) or modes (the P-mode map)"),
        "runs": F("integer", "runs in the grid"),
        "steps": F("integer", "step budget per run"),
        "grid": F("object", "the grid", fields={
            **_ETA_GRID,
            "vary": F("string", "the varied parameter", null=True),
            "from": F("number", "first value of the varied parameter", null=True),
            "to": F("number", "last value of the varied parameter", null=True),
            "n": F("integer", "values of the varied parameter", null=True)}),
        "counts": F("counts", "runs per trajectory class"),
        "converged_max_eta_ntk": F("number", "largest final ηλ of a converged run", null=True),
        "converged_all_below_2": F("boolean", "every converged run ends with ηλ < 2"),
        "workers": F("integer", "worker threads or processes that computed the grid"),
        "settle": F("boolean", "runs stop once classified (false: every run takes the full step budget)"),
        "trajectory_steps": F("integer", "steps taken, summed over all runs"),
        "compute_seconds": F("number", "wall time of the computation alone, without output"),
        "seconds": F("number", "wall time"),
        "files": F("files", "the table, then the figures (with --plot)"),
        "model": _MODEL,
    },
    "sweep --optimizer": {
        "engine": F("string", "numpy (the generated moment map on arrays)"),
        "map": F("string", "the map iterated: the optimizer's moment map"),
        "optimizer": F("string", "the update rule, as --optimizer spells it (its value is used without --vary)"),
        "runs": F("integer", "runs in the grid"),
        "steps": F("integer", "step budget per run"),
        "grid": F("object", "the grid", fields={
            **_ETA_GRID,
            "vary": F("string", "the varied hyper-parameter (rho or beta)", null=True),
            "from": F("number", "its first value", null=True), "to": F("number", "its last value", null=True),
            "n": F("integer", "its values", null=True)}),
        "counts": F("counts", "runs per status: running (step limit), converged, diverged"),
        "converged_max_over_edge": F("number", "largest final ηλ / T* of a converged run", null=True),
        "converged_all_below_edge": F("boolean", "every converged run ends below its edge T*"),
        "compute_seconds": F("number", "wall time of the computation alone, without output"),
        "seconds": F("number", "wall time"),
        "files": F("files", "the table, then the figure (with --plot)"),
        "model": _MODEL,
    },
    "verify": {
        "claims": F("list", "one record per claim", fields={
            "id": F("string", "claim id"), "statement": F("string", "the claim"),
            "source": F("string", "paper § or derived here"),
            "method": F("string", "how it is checked: symbolic, high-precision numeric, property, interval"),
            **_STATUS, "evidence": F("object", "what the check measured (per claim; read it in report.md)")}),
        "summary": F("object", "totals", fields={
            "verified": F("integer", ""), "failed": F("integer", ""), "error": F("integer", ""),
            "seconds": F("number", "wall time"), "quick": F("boolean", "--quick"), "seed": F("integer", "--seed")}),
        "files": F("files", "report.json and report.md (figures are listed in each claim's evidence)"),
    },
    "derive": {
        **_STATUS,
        "files": F("files", "files written (none with --check)"),
        "differences": F("list", "with --check: one line per stale file", items="string"),
        "seconds": F("number", "wall time"),
    },
    "experiment highdim": {
        **_EXPERIMENT, "seeds": F("integer", "seeds per cell"), "first_seed": F("integer", "--seed"),
        "steps": F("integer", "GD step budget per run"), "p_ratio": F("integer", "P / D"),
        "dtype": F("string", "storage of Q"),
        "cells": F("list", "one record per (ε, f, D) cell", fields={
            "eps": F("number", "nonlinearity ε"), "eta_frac": F("number", "f: η = f·2/λ_max(K₀)"),
            "D": F("integer", "data points"), "P": F("integer", "parameters"), "runs": F("integer", "runs (seeds)"),
            **{k: _WILSON(f"the fraction {k}") for k in ("converged", "sharpened", "eos", "diverged", "unfinished")},
            "median_final_eta_ntk": F("number", "median final ηλ of the converged runs", null=True),
            "max_final_eta_ntk": F("number", "largest final ηλ of the converged runs", null=True)}),
        "runs": F("list", "one record per run, with its seed and parameters", fields={
            "seed": F("integer", "the seed"), "eps": F("number", "ε"), "eta_frac": F("number", "f"),
            "D": F("integer", "data points"), "P": F("integer", "parameters"), **_STATUS,
            "initial_eta_ntk": F("number", "ηλ_max at step 0"),
            "peak_eta_ntk": F("number", "largest ηλ_max (null if it overflowed)", null=True),
            "final_eta_ntk": F("number", "final ηλ_max (null unless converged)", null=True),
            "steps": F("integer", "GD steps taken")}),
        **_END,
    },
    "experiment highdim --scaling": {
        **_EXPERIMENT, "eta_frac": F("number", "f"), "p_ratio": F("integer", "P / D"),
        "steps": F("integer", "GD step budget per run"), "first_seed": F("integer", "--seed"),
        "thresholds": F("list", "one record per D", fields={
            "D": F("integer", "data points"), "P": F("integer", "parameters"), "seeds": F("integer", "seeds"),
            "eps_c": F("number", "median of ε*(seed) (null: no run diverged)", null=True),
            "lo": F("number", "95% bootstrap interval", null=True), "hi": F("number", "", null=True),
            "eps_c_sqrt_D": F("number", "ε_c·√D", null=True),
            "per_seed": F("list", "one record per seed", fields={
                "seed": F("integer", "the seed"),
                "eps_star": F("number", "the seed's bisected threshold ε* (null: never diverged)", null=True)})}),
        "exponent": F("number", "a in ε_c ≈ c·D^(−a)", null=True),
        "exponent_lo": F("number", "95% bootstrap interval of a", null=True),
        "exponent_hi": F("number", "", null=True), "prefactor": F("number", "c", null=True),
        "exponent_half_in_interval": F("boolean", "a = 1/2 lies inside the interval"),
        **_END,
    },
    "experiment centralflow": {
        **_EXPERIMENT, "D": F("integer", "data points"), "P": F("integer", "parameters"), "eps": F("number", "ε"),
        "eta_frac": F("number", "f"), "seed": F("integer", "the instance's seed"), "eta": F("number", "η"),
        "steps": F("integer", "GD steps = flow time"),
        "gd_diverged_at": F("integer", "the step at which GD's loss blew up (not finite or above 1e12; GD stops "
                            "there, and the command exits 1); null if GD ran every step", null=True),
        "flow_status": F("string", "how the central flow ended"),
        "flow_status_message": F("string", "the flow's status in words"),
        "flow_converged_at": F("number", "flow time at convergence", null=True),
        "flow_edge_steps": F("integer", "time units the flow spent on the edge"),
        "flow_max_directions": F("integer", "most edge directions at once"),
        "flow_switches": F("integer", "times the active set changed"),
        "eos_phase": F("list", "first and last step of GD's EOS phase", items="integer", null=True),
        "eos_steps": F("integer", "steps in the EOS phase"),
        "loss_rel_error": F("number", "median |GD averaged loss − flow prediction| / loss", null=True),
        "pgd_loss_rel_error": F("number", "the same for projected GD", null=True),
        "sharpness_band": F("number", "90% quantile of |ηS_avg − 2|", null=True),
        "sharpness_max_deviation": F("number", "largest |ηS_avg − 2|", null=True),
        "dist_flow_median": F("number", "median distance GD–flow", null=True),
        "dist_pgd_median": F("number", "median distance GD–projected GD", null=True),
        "pgd_projection_failures": F("integer", "projections that failed"),
        **_END,
    },
    "experiment centralflow --model planar": {
        **_EXPERIMENT, "omegas": F("list", "ω₁, ω₂", items="number"),
        "T0_direction_b": F("number", "b in T₀ = 2 + bε"), "J2_split": F("number", "s: J(ω_i)² = (s, 1 − s)·T₀"),
        "rows": F("list", "one record per amplitude ε", fields={
            "epsilon": F("number", "ε"), "z0": F("number", "z̃₀"), "T0": F("number", "T₀"),
            "gd_final": F("number", "GD's final ηλ"), "flow_final": F("number", "the central flow's final ηλ"),
            "flow_edge_steps": F("integer", "time on the edge"), "flow_minus_gd": F("number", ""),
            "normal_form_final": F("numbers", "the normal form's final ηλ per order"),
            "gd_minus_normal_form": F("numbers", "GD − normal form per order")}),
        "gap_slope": F("number", "log-log slope of flow − GD against ε"),
        "residual_slopes": F("numbers", "log-log slope of GD − normal form per order"),
        **_END,
    },
    "experiment network": {
        **_EXPERIMENT, "architecture": F("string", "the network (or package.module:factory)"),
        "n": F("integer", "examples"), "D": F("integer", "outputs n × classes"), "P": F("integer", "parameters"),
        "loss": F("string", "sum or mean"), "eta_frac": F("number", "η = f·2/λ₀ (null with --eta)", null=True),
        "eta": F("number", "the fixed --eta (null with --eta-frac; each run carries its η)", null=True),
        "steps": F("integer", "GD steps"), "every": F("integer", "checkpoint spacing"),
        "hessian_every": F("integer", "Hessian/central-flow spacing"), "first_seed": F("integer", "--seed"),
        "seeds": F("integer", "seeds run"),
        "network": _NET_MODEL("GD on the network"), "quadratic": _NET_MODEL("GD on its second-order model at θ₀"),
        "reexpanded": _NET_MODEL("GD on the model re-expanded at the edge (null: no seed reached it)"),
        "agreement": _AGREEMENT("second-order model at θ₀ vs network"),
        "reexpanded_agreement": _AGREEMENT("re-expanded model vs network"),
        "central_flow": F("list", "with --flow-steps: the central flow integrated from the first seed's edge",
                          optional=True, fields={
                              "seed": F("integer", "the seed"), "t_start": F("integer", "the GD step it starts at"),
                              "steps": F("integer", "steps integrated"), "h": F("number", "Heun step"), **_STATUS,
                              "edge_steps": F("integer", "samples on the edge"),
                              "loss_rel_error_median": F("number", "median of abs(predicted − GD's averaged loss) / loss",
                                                         null=True),
                              "loss_rel_error_max": F("number", "largest of the same", null=True)}),
        "by_eta": F("list", "with several η (comma lists): one object per η with the keys eta_frac, eta, seeds, "
                    "network, quadratic, reexpanded, agreement and reexpanded_agreement as above (the first η's "
                    "are repeated at the top)", optional=True, items="object"),
        **_END,
    },
}

def check(command: str, obj) -> list[str]:
    """The schema violations of ``obj``, the parsed ``--json`` output of ``sorm <command>``."""
    errs = check_fields(SCHEMAS[command], obj, command, None, free=False)
    skip = {f"{command}.claims[{i}].method" for i in range(len(obj.get("claims", [])))} if command == "verify" else ()
    return errs + conventions(obj, command, skip)


def _rows(spec: dict, prefix: str = ""):
    for key, f in spec.items():
        t = f.type if f.items is None else f"list of {f.items}"
        t += " or null" if f.null else ""
        t += " (optional)" if f.optional else ""
        yield f"| `{prefix}{key}` | {t} | {f.doc} |"
        if f.fields and f is not _MODEL:
            yield from _rows(f.fields, f"{prefix}{key}[]." if f.type == "list" else f"{prefix}{key}.")


def markdown() -> str:
    """The README section: the conventions, the types, then one table per command."""
    out = ["Every command's `--json` follows one schema, kept in `proofs_check/schema.py` (a test runs every",
           "command against it, and another checks that this section is its rendering).", "",
           "- A float64 quantity is a JSON number; a high-precision value is a decimal string carrying only",
           "  the digits its record vouches for, next to the record's digit count `dps`.",
           "- A missing value is `null`, never `\"nan\"`, `\"\"` or `\"+inf\"`.",
           "- One key per concept: `engine`, `status` with `status_message`, `files` for every file written,",
           "  `model` for the exact parameters of the run.", "", "| type | meaning |", "|---|---|"]
    out += [f"| {name} | {meaning} |" for name, (meaning, _) in TYPES.items()]
    out += ["", "`model` (simulate, plot, predict, certify, sweep):", "", "| key | type | meaning |", "|---|---|---|"]
    out += list(_rows(_MODEL.fields, "model."))
    for command, spec in SCHEMAS.items():
        out += ["", f"`sorm {command} --json`:", "", "| key | type | meaning |", "|---|---|---|"]
        out += list(_rows(spec))
    return "\n".join(out) + "\n"
