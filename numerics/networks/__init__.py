"""Networks in JAX: real models on real data, their second-order models, and the theory's measurements.

- :mod:`.models`: a model is ``apply(params, x)`` with params (any pytree) and data (X, Y);
  built-in MLP and CNN, scikit-learn's digits and a teacher task, a user's
  ``package.module:factory``; residuals z = c·(apply − Y) with L = ½‖z‖².
- :mod:`.ops`: jitted GD steps, NTK and Hessian products by ``jax.jvp``/``jax.vjp``, the
  matrix-free second-order model (nested ``jax.jvp``), Lanczos (scipy ``eigsh``).
- :mod:`.run`: GD with ηλ_max, the Hessian's top eigenvalue, z̃, s, ỹ, two-step changes and the
  central flow's σ² and predicted loss along the way.
- :mod:`.flow`: the central flow integrated (Heun steps, projected on the edge) by autodiff products.
- :mod:`.experiment`: a network and its second-order model over seeds, with agreement numbers.

float64: every entry point runs inside ``jax.enable_x64(True)``; the user's global JAX config
is left as it was (:mod:`.precision`). Names are imported on first use; ``import sorm`` and
``sorm --help`` never import JAX.
"""
from ... import _lazy

__all__, __getattr__, __dir__ = _lazy.lazy_exports(__name__, {
    ".models": ("Network", "make_network", "builtin", "from_factory", "digits", "teacher", "mlp_apply", "init_mlp",
                "cnn_apply", "init_cnn", "LOSSES", "ACTIVATIONS"),
    ".ops": ("Operators", "quadratic_residual", "top_eigenpair"),
    ".precision": ("float64", "as_float64"),
    ".run": ("Run", "RunStatus", "run_gd", "Plateau", "plateau", "PLATEAU_BAND", "PLATEAU_BLOCKS"),
    ".experiment": ("SeedResult", "run_seed", "Study", "run_study", "summarize", "agreement", "interval", "initial_lambda", "operators",
                    "FAITHFUL_TOL", "flow_vs_gd"),
    ".flow": ("NetworkFlow", "integrate_central_flow"),
})
