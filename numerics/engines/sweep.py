"""Grids of float64 GD runs: over the step size η and, optionally, one initial-state parameter.

For each η of the grid the model of a :class:`numerics.problem.Problem` (ω_i, and
an initial state in unscaled variables) is run in the η-rescaled variables
z̃ = ηz, J̃(ω_i)² = ηJ(ω_i)², T = ηλ, Ẽ = ηE (paper §2.1, docs/theory.md §3) on the
batch engine (:mod:`numerics.engines.batch`): the 2-D (z̃, T) map when P = 2 with
ω₁ω₂ ≠ 0 and ω₁ ≠ ω₂ (docs/theory.md §4, derived here), the P-mode map otherwise
and for the runs with a J(ω_i)² exactly 0, which the 2-D map would let rounding move
(:func:`numerics.engines.batch.run_planar_where_exact`).

Each run classifies the float64 state it starts from (η and the state rounded to float64, z̃₀ = η·z₀ and
J̃(ω_i)² = η·J(ω_i)² formed in float64; the table's ``z0`` and ``eta`` columns are those numbers), not the exact
state of the Problem at that η, which may differ where its rounding lands on a class-deciding zero (a grid point
is not checked as :func:`numerics.engines.batch.classify_problem` checks one state; ``run_gd`` decides one exactly).

The grid runs in blocks of about N/workers runs (at most ``MAX_BLOCK``), so
every worker has work at any grid size; each run is independent of the others,
so the result does not depend on the blocks or the number of workers. With the
numba back end the workers are threads (the kernel releases the GIL), with the
numpy back end processes.

The optional second axis varies one initial-state parameter:

- ``"z0"``: the residual z₀, with J(ω_i)² held fixed (E then follows from the
  invariant Σ_{ω_i≠0} J(ω_i)²/ω_i − 2z = 2E, derived here);
- ``"J2:i"``: J(ω_i)² of mode i (0-based), with z₀ fixed (E follows likewise);
- ``"theta0:i"``: the eigenbasis coordinate θ_i, with E fixed (needs a problem
  built from θ₀; J(ω_i) = ω_i θ_i and z = ½ Σ ω_i θ_i² − E, paper §2.1).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .batch import BatchResult, TrajectoryClass, read_only, resolve_engine, run_batch, run_planar_where_exact
from ..problem import Problem
from ..display import compact_repr
from ..validate import InputError, exact, positive, positive_int, whole_in_range

__all__ = ["SweepResult", "sweep", "grid", "parse_vary", "blocks", "MAX_POINTS", "MAX_BLOCK"]

#: Largest grid a sweep accepts (n_eta × n_vary).
MAX_POINTS = 4_000_000
#: Largest block of runs handed to one worker at a time.
MAX_BLOCK = 131_072


def parse_vary(vary, P: int, has_theta: bool):
    """Parse ``"z0"``, ``"J2:i"`` or ``"theta0:i"`` into (kind, i); None passes through."""
    if vary is None:
        return None
    m = re.fullmatch(r"\s*(z0|J2|theta0)\s*(?::\s*(\d+))?\s*", str(vary))
    if not m:
        raise InputError(f"vary={vary!r}: expected z0, J2:i or theta0:i (i a 0-based mode index); "
                         "pass e.g. --vary z0 or --vary J2:0")
    kind, i = m.group(1), m.group(2)
    if kind == "z0":
        if i is not None:
            raise InputError(f"vary={vary!r}: z0 takes no index; pass --vary z0")
        return kind, None
    if i is None:
        raise InputError(f"vary={vary!r}: {kind} needs a mode index; pass e.g. --vary {kind}:0")
    i = int(i)
    if i >= P:
        raise InputError(f"vary={vary!r}: mode index {i} out of range for {P} modes; pass 0..{P - 1}")
    if kind == "theta0" and not has_theta:
        raise InputError(f"vary={vary!r}: varying theta0 needs the model given by --E and --theta0; "
                         "give those, or vary z0 or J2:i")
    return kind, i


@dataclass(frozen=True)
class SweepResult:
    """A grid of float64 runs, flattened row-major over (vary value, η).

    eta_grid: the n_eta step sizes. vary: the varied parameter ("z0", "J2:i",
    "theta0:i") or None. vary_grid: its n_vary values (None without vary). eta,
    value: per run, its η and varied value (value NaN without vary). z0, J2:
    per run, the unscaled initial residual and J(ω_i)² (J2 shape (N, P)); E: per
    run the target. eta_ntk0: per run, the initial ηλ = η Σ_i J(ω_i)². batch: the engine's result (final z̃, T = ηλ, classes, ...).
    step_map: "planar" (the 2-D map; the mode map for runs with a zero mode) or "modes" (the P-mode map).
    engine: the back end that ran, "numba" or "numpy". shape: (n_vary, n_eta).
    """

    omegas: tuple[float, ...]
    eta_grid: np.ndarray
    vary: str | None
    vary_grid: np.ndarray | None
    eta: np.ndarray
    value: np.ndarray
    z0: np.ndarray
    J2: np.ndarray
    E: np.ndarray
    eta_ntk0: np.ndarray
    batch: BatchResult
    step_map: str
    steps: int

    @property
    def engine(self) -> str:
        """The back end that ran: "numba" or "numpy"."""
        return self.batch.engine

    @property
    def trajectory_steps(self) -> int:
        """Steps run, summed over every run of the grid."""
        return int(self.batch.steps.sum())

    __repr__ = compact_repr

    def __post_init__(self):
        for name in ("eta_grid", "vary_grid", "eta", "value", "z0", "J2", "E", "eta_ntk0"):
            a = getattr(self, name)
            if a is not None:
                object.__setattr__(self, name, read_only(a))

    @property
    def shape(self) -> tuple[int, int]:
        return (1 if self.vary_grid is None else self.vary_grid.size, self.eta_grid.size)

    @property
    def final_eta_ntk(self) -> np.ndarray:
        return self.batch.T

    @property
    def final_z(self) -> np.ndarray:
        """Final unscaled residual z = z̃/η."""
        return self.batch.zt / self.eta

    def counts(self) -> dict[str, int]:
        return self.batch.count()

    def converged_mask(self) -> np.ndarray:
        c = self.batch.classes
        return (c == TrajectoryClass.CONVERGED_BELOW) | (c == TrajectoryClass.SELF_STABILIZED)

    def columns(self) -> dict[str, np.ndarray]:
        """The table of runs, column by column (row-major over (vary value, η), as ``eta``).

        float64 columns (NaN where a value does not apply: the varied value without
        vary, the Lyapunov exponent where it was not estimated), ``class`` as
        :class:`TrajectoryClass` codes (int8) and ``steps`` in the narrowest signed
        integer type that holds the step budget (int16 up to 32767 steps, else int32).
        """
        b = self.batch
        steps = b.steps.astype(np.int16 if self.steps <= np.iinfo(np.int16).max else np.int32)
        return {"eta": self.eta, f"varied_{self.vary or 'none'}": self.value, "z0": self.z0,
                "eta_ntk0": self.eta_ntk0, "final_eta_ntk": b.T, "final_z": self.final_z,
                "max_eta_ntk": b.max_T, "class": b.classes, "steps": steps, "lyapunov": b.lyapunov}


def _short(v) -> str:
    """A Fraction of any size as a 6-digit decimal string (for messages)."""
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 6
        return str(Decimal(v.numerator) / Decimal(v.denominator))


def grid(name_lo, lo, name_hi, hi, n, log):
    """``n`` float64 points from ``lo`` to ``hi`` (geometric if ``log``), or a one-line InputError naming the ends."""
    for name, v in ((name_lo, lo), (name_hi, hi)):
        f = float(v) if abs(v) < 1e308 else math.inf
        if not math.isfinite(f) or (v != 0 and f == 0.0) or (log and f <= 0.0):
            raise InputError(f"{name}={_short(v)!r}: not representable as a float64 grid point (the sweep is "
                             f"float64); pass a value between 1e-300 and 1e300 in magnitude")
    if hi < lo:
        raise InputError(f"{name_hi}={float(hi)!r} is below {name_lo}={float(lo)!r}: expected "
                         f"{name_lo} <= {name_hi}; swap them")
    if n == 1:
        if hi != lo:
            raise InputError(f"n=1 with {name_lo} != {name_hi}: a one-point grid needs equal ends; "
                             "pass n >= 2 or equal ends")
        return np.array([float(lo)])
    if log:
        return np.geomspace(float(lo), float(hi), n)
    return np.linspace(float(lo), float(hi), n)


def _initial_states(problem: Problem, vary, values):
    """Unscaled (z0, J2 (N,P), E) for each varied value (one row without vary)."""
    w = np.array([float(x) for x in problem.omegas])
    nz = w != 0
    J2b = np.array([float(x) for x in problem.J2])
    if vary is None:
        return (np.array([float(problem.z0)]), J2b[None, :], np.array([float(problem.E)]))
    kind, i = vary
    m = values.size
    if kind == "z0":
        z0 = values.copy()
        J2 = np.tile(J2b, (m, 1))
    elif kind == "J2":
        if np.any(values < 0):
            raise InputError("vary J2: the range reaches below 0: a squared Jacobian is >= 0; "
                             "pass --from >= 0")
        if w[i] == 0 and np.any(values != 0):
            raise InputError(f"vary J2:{i}: mode {i} has omega=0, so J(0)=0 always; vary another mode")
        J2 = np.tile(J2b, (m, 1))
        J2[:, i] = values
        z0 = np.full(m, float(problem.z0))
    else:  # theta0
        th = np.tile(np.array([float(x) for x in problem.theta0]), (m, 1))
        th[:, i] = values
        J2 = (w * th) ** 2
        z0 = 0.5 * (w * th * th).sum(axis=1) - float(problem.E)
        return z0, J2, np.full(m, float(problem.E))
    E = 0.5 * ((J2[:, nz] / w[nz]).sum(axis=1) - 2 * z0)
    return z0, J2, E


def sweep(problem: Problem, *, eta_min, eta_max, n_eta: int, log_eta: bool = True, vary=None,
          vary_from=None, vary_to=None, n_vary: int | None = None, steps: int = 10_000,
          lyapunov: bool = False, lyap_steps: int = 2000, lyap_min: float = 1e-2, settle: bool = True,
          step_map: str = "auto", engine: str = "auto", workers: int = 1, progress=None) -> SweepResult:
    """Run the model of ``problem`` over a grid of η (and of one varied initial-state parameter).

    η runs over ``n_eta`` points from ``eta_min`` to ``eta_max`` (geometric if
    ``log_eta``, else linear); ``problem.eta`` is ignored. With ``vary`` the
    parameter runs linearly over ``n_vary`` points from ``vary_from`` to
    ``vary_to``. Each run takes at most ``steps`` steps (settled runs stop early;
    with ``settle=False`` every run goes through all ``steps``).
    ``lyapunov`` (planar engine only) estimates the largest Lyapunov exponent
    over the last ``lyap_steps`` steps of runs still going, to tell CHAOTIC from
    BOUNDED (``lyap_steps=0``: no estimate). ``step_map``: "auto" (planar when possible), "planar" or "modes".
    ``engine``: the batch engine's back end, "auto" (numba when installed),
    "numba" or "numpy". ``workers``: how many blocks run at once.
    ``progress(k, total)`` is called with k = 0 once the arguments are checked, then with the
    number of runs each block finished; total is the number of runs of the grid.
    """
    if not isinstance(problem, Problem):
        raise InputError(f"problem={problem!r}: expected a numerics.Problem; build one with from_state")
    eta_lo, eta_hi = positive("eta_min", eta_min), positive("eta_max", eta_max)
    n_eta = positive_int("n_eta", n_eta)
    steps = positive_int("steps", steps, maximum=10**9)
    workers = positive_int("workers", workers, maximum=64)
    lyap_steps = whole_in_range("lyap_steps", lyap_steps, 0, 10**9, "steps", 2000, " (0: no Lyapunov exponent)")
    eta_grid = grid("eta_min", eta_lo, "eta_max", eta_hi, n_eta, log_eta)
    v = parse_vary(vary, problem.P, problem.theta0 is not None)
    if v is None:
        if any(x is not None for x in (vary_from, vary_to, n_vary)):
            raise InputError("vary_from/vary_to/n_vary were given without vary: nothing to vary; "
                             "pass --vary z0 (or J2:i, theta0:i), or drop them")
        values = None
    else:
        if vary_from is None or vary_to is None or n_vary is None:
            raise InputError(f"vary={vary!r} needs --from, --to and --n; give all three")
        lo, hi = exact("vary_from", vary_from), exact("vary_to", vary_to)
        n_vary = positive_int("n_vary", n_vary)
        values = grid("from", lo, "to", hi, n_vary, False)
    n_rows = 1 if values is None else values.size
    if n_rows * n_eta > MAX_POINTS:
        raise InputError(f"grid of {n_rows}x{n_eta} = {n_rows * n_eta} runs: expected at most {MAX_POINTS}; "
                         "pass smaller --eta-n/--n")
    z0r, J2r, Er = _initial_states(problem, v, values)
    # flatten row-major: vary value outer, eta inner
    eta = np.tile(eta_grid, n_rows)
    rep = np.repeat(np.arange(n_rows), n_eta)
    z0, J2, E = z0r[rep], J2r[rep], Er[rep]
    eta_ntk0 = eta * J2r.sum(axis=1)[rep]  # λ0 = Σ_i J(ω_i)² once per row of the grid, the same sums as per run
    value = np.full(eta.size, np.nan) if values is None else values[rep]
    del rep
    w = np.array([float(x) for x in problem.omegas])
    can_planar = problem.planar is not None
    if step_map not in ("auto", "planar", "modes"):
        raise InputError(f"step_map={step_map!r}: expected auto, planar or modes; pass step_map='auto'")
    if step_map == "planar" and not can_planar:
        raise InputError("step_map='planar' needs P=2 with omega1*omega2 != 0 and omega1 != omega2 "
                         "(and the generated planar map); use step_map='modes'")
    use_planar = can_planar and step_map != "modes"
    engine = resolve_engine(engine)
    if lyapunov and not use_planar:
        raise InputError("lyapunov=True needs the planar engine (P=2, omega1*omega2 != 0, omega1 != omega2); "
                         "drop it or change omegas")
    opts = dict(steps=steps, settle=settle, engine=engine)
    if use_planar:
        opts.update(lyap_steps=lyap_steps if lyapunov else 0, lyap_min=lyap_min)
    if progress is not None:
        progress(0, eta.size)
    jobs = []
    for sl in blocks(eta.size, workers):
        e = eta[sl]
        if use_planar:
            jobs.append(("planar", w, e * z0[sl], e[:, None] * J2[sl], eta_ntk0[sl], e * E[sl], opts))
        else:
            jobs.append(("modes", w, e * z0[sl], e[:, None] * J2[sl], opts))
    parts = []
    for part in _map(_run_block, jobs, workers, threads=engine == "numba"):
        parts.append(part)
        if progress is not None:
            progress(part.T.size, eta.size)
    batch = _concat(parts, with_J2=not use_planar, steps=steps)
    return SweepResult(omegas=tuple(float(x) for x in w), eta_grid=eta_grid,
                       vary=None if v is None else (v[0] if v[1] is None else f"{v[0]}:{v[1]}"),
                       vary_grid=values, eta=eta, value=value, z0=z0, J2=J2, E=E, eta_ntk0=eta_ntk0, batch=batch,
                       step_map="planar" if use_planar else "modes", steps=steps)


def blocks(n: int, workers: int) -> list[slice]:
    """Slices of about n/workers runs (a multiple of ``workers`` blocks of at most MAX_BLOCK runs)."""
    count = workers * -(-n // (workers * MAX_BLOCK))
    size = -(-n // count)
    return [slice(s, min(s + size, n)) for s in range(0, n, size)]


def _map(fn, jobs, workers: int, *, threads: bool):
    """fn over jobs in order, ``workers`` at a time: threads (for a kernel that releases the GIL) or processes."""
    if workers == 1 or len(jobs) == 1:
        yield from map(fn, jobs)
        return
    import concurrent.futures as cf

    if threads:
        pool = cf.ThreadPoolExecutor(max_workers=min(workers, len(jobs)))
    else:
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        pool = cf.ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx)
    with pool:
        yield from pool.map(fn, jobs)


def _run_block(job) -> BatchResult:
    """One block of runs (module level, so a worker process can run it)."""
    if job[0] == "planar":
        _, w, zt0, J2t0, T0, Et, opts = job
        return run_planar_where_exact(w, zt0, J2t0, T0, Et, **opts)
    _, w, zt0, J2t0, opts = job
    return run_batch(w, zt0, J2t0, **opts)


def _concat(parts, *, with_J2: bool, steps: int) -> BatchResult:
    if len(parts) == 1:
        return parts[0]
    cat = lambda name: np.concatenate([getattr(p, name) for p in parts])  # noqa: E731
    return BatchResult(zt=cat("zt"), T=cat("T"), J2t=cat("J2t") if with_J2 else None, classes=cat("classes"),
                       steps=cat("steps"), max_T=cat("max_T"), lyapunov=cat("lyapunov"), step_budget=steps,
                       engine=parts[0].engine)
