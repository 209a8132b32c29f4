"""Fast QAOA statevector simulator for diagonal (Ising) cost Hamiltonians.

QAOA on a BQM only ever applies two kinds of operation: the cost unitary
``exp(-i gamma C)``, which is *diagonal* in the computational basis, and a product of
one-qubit mixers. A general circuit simulator (Aer) decomposes the cost into RZ/RZZ gates
and sweeps the full state once per gate, then once more per Pauli term to take the
expectation. This module does what no library does for this special case, by hand:

* the cost is tabulated once per model as a vector over the ``2**n`` basis states, built
  block-wise with BLAS (``C[hi, lo] = c_lo + c_hi + s_hi^T J s_lo``); integer-valued
  models (MaxCut, most QUBOs) are stored as ``uint16`` *level indices* into a short table
  of distinct energies, so the phase is a table lookup, not a ``sincos`` per amplitude,
  and the energy distribution (for CVaR) is a histogram over levels;
* one QAOA layer is a few cache-blocked sweeps over the state (:func:`sweep_plan`): the
  first multiplies by the cost phase and applies the mixers of the 14 lowest qubits to
  each contiguous, cache-resident block; later sweeps gather strided tiles of the higher
  qubits into a per-thread buffer, mix there and scatter back. Memory traffic per layer is
  three passes over the state at n = 28 instead of ``n + 1``; the compiled engine keeps the
  state split into real and imaginary float64 arrays so its loops are SIMD arithmetic;
* engines: ``numba`` (the fused, parallel CPU kernels above), ``numpy`` (one phase
  product, then, from 16 qubits, the mixers four qubits at a time as a 16 x 16 matrix
  product over the reshaped state, BLAS) and ``cupy`` (the same code on a CUDA array
  module, cuBLAS; not yet measured on a GPU). All use complex128, so they agree with
  Aer's exact estimator to ~1e-12.

Basis index bit ``q`` is qubit ``q`` (Qiskit's order); spins follow
:mod:`hybrid_workbench.algorithms.ising` (bit 1 = spin +1 = binary 1).

Examples:
    >>> import dimod, numpy as np
    >>> bqm = dimod.BinaryQuadraticModel({}, {(0, 1): 1.0, (1, 2): 1.0}, 0.0, "SPIN")
    >>> sim = DiagonalQAOASimulator(bqm, engine="numpy")
    >>> sim.cost_vector().tolist()
    [2.0, 0.0, -2.0, 0.0, 0.0, -2.0, 0.0, 2.0]
    >>> round(sim.expectation([0.0], [0.0]), 12)  # |+>: the mean of the costs
    0.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from hybrid_workbench._optional import lazy_module

dimod = lazy_module("dimod")
import numpy as np

from hybrid_workbench.algorithms.ising import spin_arrays
from hybrid_workbench.errors import BackendUnavailableError, OptionsError

__all__ = ["DiagonalQAOASimulator", "x_mixer", "warm_mixer", "resolve_engine", "BYTES_PER_STATE"]

Engine = Literal["auto", "numba", "numpy", "cupy"]
BYTES_PER_STATE = 32  # complex128 state + float64 cost/probabilities, a conservative bound
MAX_LEVELS = 65535
LOW_QUBITS = 14  # qubits of the first, contiguous sweep (2**14 amplitudes = 256 KiB split)
HIGH_QUBITS = 7  # at most this many qubits per later (tiled) sweep
ROW_AMPS = 256  # contiguous amplitudes per tile row of a later sweep (2 KiB per half)
GROUP_QUBITS = 4  # qubits per matrix product of the numpy/cupy engines (16 x 16 mixers)
GROUPED_MIN_QUBITS = 16  # NumPy states below this mix qubit by qubit (faster there)
NUMBA_MIN_QUBITS = 16  # below this, NumPy's vectorised sweeps are faster than thread start-up


def sweep_plan(n: int, low: int | None = None, high: int | None = None) -> list[tuple[int, int]]:
    """``(first qubit, qubits)`` of each cache-blocked sweep of one layer.

    The first sweep takes the ``low`` lowest qubits (default ``LOW_QUBITS``) and the cost
    phase; the rest are split into near-equal groups of at most ``high`` qubits (default
    ``HIGH_QUBITS``), one tiled sweep each. With ``2**7`` rows of ``ROW_AMPS`` amplitudes a
    tile is 512 KiB, inside a 1 MiB L2; at n = 28 that is three passes over the state per
    layer (measured here at n = 26: one 12-qubit tiled sweep with 16-amplitude rows took
    0.56 s, two 6-qubit sweeps with 256-amplitude rows 0.33 s).

    Examples:
        >>> sweep_plan(12), sweep_plan(24), sweep_plan(28)
        ([(0, 12)], [(0, 14), (14, 5), (19, 5)], [(0, 14), (14, 7), (21, 7)])
    """
    low = LOW_QUBITS if low is None else low
    high = HIGH_QUBITS if high is None else high
    first = min(low, n)
    plan = [(0, first)]
    rest = n - first
    if rest > 0:
        k = -(-rest // high)
        lo = first
        for i in range(k):
            size = rest // k + (1 if i < rest % k else 0)
            plan.append((lo, size))
            lo += size
    return plan


def group_matrix(mats: np.ndarray, lo: int, k: int) -> np.ndarray:
    """The ``2**k x 2**k`` mixer of qubits ``lo .. lo+k-1`` (qubit ``lo`` least significant).

    Examples:
        >>> m = x_mixer(0.4, 3)
        >>> bool(np.allclose(group_matrix(m, 0, 2), np.kron(m[1], m[0])))
        True
    """
    M = mats[lo]
    for j in range(1, k):
        M = np.kron(mats[lo + j], M)
    return M


def mixer_table(mats: np.ndarray) -> np.ndarray:
    """``(n, 8)`` float64: real and imaginary parts of ``m00, m01, m10, m11`` per qubit."""
    flat = np.ascontiguousarray(mats, dtype=np.complex128).reshape(len(mats), 4)
    return np.ascontiguousarray(np.stack([flat.real, flat.imag], axis=2).reshape(len(mats), 8))


def resolve_engine(engine: str, num_qubits: int = NUMBA_MIN_QUBITS) -> str:
    """The engine actually used.

    ``auto`` picks numba when installed and the state is large enough to pay for its
    thread start-up (``num_qubits >= 16``), else numpy.
    """
    from hybrid_workbench._optional import is_installed

    if engine == "auto":
        big = num_qubits >= NUMBA_MIN_QUBITS
        return "numba" if big and is_installed("numba") else "numpy"
    if engine == "numba" and not is_installed("numba"):
        raise BackendUnavailableError(
            "engine 'numba' needs numba: pip install 'hybrid-workbench[fast]'")
    if engine == "cupy":
        try:
            import cupy

            if not cupy.cuda.is_available():
                raise BackendUnavailableError("engine 'cupy': no CUDA device is visible")
        except ImportError as exc:
            raise BackendUnavailableError(
                "engine 'cupy' needs cupy: pip install 'hybrid-workbench[gpu-cuda12]'") from exc
    if engine not in ("numba", "numpy", "cupy"):
        raise OptionsError(f"engine must be auto, numba, numpy or cupy, got {engine!r}")
    return engine


def x_mixer(beta: float, n: int) -> np.ndarray:
    """``exp(-i beta X)`` on every qubit, as an ``(n, 2, 2)`` array."""
    c, s = np.cos(beta), np.sin(beta)
    m = np.array([[c, -1j * s], [-1j * s, c]], dtype=np.complex128)
    return np.broadcast_to(m, (n, 2, 2)).copy()


def warm_mixer(beta: float, thetas: np.ndarray) -> np.ndarray:
    """Warm-start mixers ``RY(theta) RZ(2 beta) RY(-theta)`` (``exp(-i beta X)`` at pi/2)."""
    out = np.empty((len(thetas), 2, 2), dtype=np.complex128)
    rz = np.diag([np.exp(-1j * beta), np.exp(1j * beta)])
    for q, th in enumerate(thetas):
        c, s = np.cos(th / 2), np.sin(th / 2)
        ry, ry_inv = np.array([[c, -s], [s, c]]), np.array([[c, s], [-s, c]])
        out[q] = ry @ rz @ ry_inv
    return out


def _integer_step(values: np.ndarray) -> float | None:
    """Largest ``q`` in 1, 1/2, ..., 1/64 making every value an integer multiple, or None."""
    for k in range(7):
        q = 2.0 ** -k
        if np.all(np.abs(values / q - np.round(values / q)) <= 1e-9):
            return q
    return None


class DiagonalQAOASimulator:
    """Statevector QAOA for one BQM: ``|g, b> = prod_l M(b_l) exp(-i g_l C) |psi0>``.

    Args:
        bqm: the model; its SPIN form defines the cost ``C`` (energies, offset included).
        engine: ``auto`` (numba if installed and n >= 16), ``numba``, ``numpy`` or ``cupy``.
        variables: qubit order (default: ``bqm.variables``).
    """

    def __init__(self, bqm: dimod.BinaryQuadraticModel, engine: Engine | str = "auto",
                 variables: Sequence[Any] | None = None) -> None:
        self.h, self.i, self.j, self.J, self.offset, self.variables = spin_arrays(bqm, variables)
        self.n = len(self.variables)
        self.engine = resolve_engine(engine, self.n)
        if self.engine == "cupy":
            import cupy

            self.xp: Any = cupy
        else:
            self.xp = np
        coeffs = np.concatenate([self.h, self.J])
        q = _integer_step(coeffs)
        radius = None if q is None else int(round(np.abs(coeffs).sum() / q))
        self.table_mode = radius is not None and 2 * radius + 1 <= MAX_LEVELS
        if self.table_mode:
            assert q is not None and radius is not None
            self.step, self.radius = q, radius
            self.levels = self.offset + q * (np.arange(2 * radius + 1) - radius)
        self._cost: Any = None   # float64 costs (non-table mode)
        self._idx: Any = None    # uint16 level indices (table mode)
        self._split: tuple[np.ndarray, np.ndarray] | None = None  # numba engine's state
        self._build()

    # -- cost tabulation ------------------------------------------------------------------
    def _spins(self, qubits: np.ndarray) -> np.ndarray:
        k = len(qubits)
        codes = np.arange(2 ** k, dtype=np.int64)
        return (2 * ((codes[:, None] >> np.arange(k)) & 1) - 1).astype(np.float64)

    def _build(self) -> None:
        n = self.n
        if n == 0:
            cost = np.array([self.offset])
        else:
            lo_n = n // 2
            hi_n = n - lo_n
            Jm = np.zeros((n, n))
            np.add.at(Jm, (self.i, self.j), self.J)
            lo, hi = np.arange(lo_n), np.arange(lo_n, n)
            s_lo, s_hi = self._spins(lo), self._spins(hi)
            c_lo = s_lo @ self.h[:lo_n] + np.einsum("si,ij,sj->s", s_lo, Jm[:lo_n, :lo_n], s_lo)
            c_hi = s_hi @ self.h[lo_n:] + np.einsum("si,ij,sj->s", s_hi, Jm[lo_n:, lo_n:], s_hi)
            cross = s_hi @ Jm[:lo_n, lo_n:].T  # (2^hi, lo_n)
            cost = None
        if self.table_mode:
            self._idx = np.empty(2 ** n, dtype=np.uint16)
        else:
            self._cost = np.empty(2 ** n, dtype=np.float64)
        if n == 0:
            self._store(0, cost)
        else:
            rows = max(1, 2 ** 22 >> lo_n)  # ~4M amplitudes per chunk
            for r0 in range(0, 2 ** hi_n, rows):
                r1 = min(2 ** hi_n, r0 + rows)
                chunk = cross[r0:r1] @ s_lo.T
                chunk += c_lo[None, :]
                chunk += c_hi[r0:r1, None]
                self._store(r0 << lo_n, chunk.ravel() + self.offset)
        if self.xp is not np:
            if self.table_mode:
                self._idx = self.xp.asarray(self._idx)
            else:
                self._cost = self.xp.asarray(self._cost)

    def _store(self, start: int, values: np.ndarray) -> None:
        stop = start + values.size
        if self.table_mode:
            self._idx[start:stop] = np.rint((values - self.offset) / self.step + self.radius)
        else:
            self._cost[start:stop] = values

    def cost_vector(self) -> np.ndarray:
        """The energy of every basis state (index bit ``q`` = qubit ``q``), on the host."""
        if self.table_mode:
            return self.levels[self._asnumpy(self._idx)]
        return self._asnumpy(self._cost)

    def _asnumpy(self, a: Any) -> np.ndarray:
        return a.get() if hasattr(a, "get") else np.asarray(a)

    # -- evolution ------------------------------------------------------------------------
    def initial_state(self, thetas: np.ndarray | None = None) -> Any:
        """``|+>^n``, or the product state ``prod_q RY(theta_q)|0>`` (warm start)."""
        xp, n = self.xp, self.n
        if thetas is None:
            return xp.full(2 ** n, 2.0 ** (-n / 2), dtype=xp.complex128)
        psi = xp.ones(1, dtype=xp.complex128)
        for th in thetas:
            psi = xp.kron(xp.asarray([np.cos(th / 2), np.sin(th / 2)], dtype=xp.complex128), psi)
        return psi

    def evolve(self, gammas: Sequence[float], betas: Sequence[float],
               thetas: np.ndarray | None = None) -> Any:
        """The QAOA state in the engine's own form: a complex array, or ``(re, im)`` (numba).

        The numba engine evolves in two float64 buffers owned by the simulator and reused
        by the next call (no page faults on fresh memory per evaluation): use the result,
        or copy it, before evolving again. :meth:`probabilities`, :meth:`energy_of`,
        :meth:`cvar` and :meth:`sample` take either form.
        """
        if len(gammas) != len(betas):
            raise ValueError("need as many gammas as betas (one of each per layer)")
        if self.engine == "numba":
            return self._evolve_split(gammas, betas, thetas)
        psi = self.initial_state(thetas)
        for g, b in zip(gammas, betas):
            mats = x_mixer(b, self.n) if thetas is None else warm_mixer(b, thetas)
            psi = self._layer(psi, float(g), mats)
        return psi

    def state(self, gammas: Sequence[float], betas: Sequence[float],
              thetas: np.ndarray | None = None) -> Any:
        """The QAOA state for angles ``gammas``, ``betas`` (one per layer), complex128."""
        psi = self.evolve(gammas, betas, thetas)
        if isinstance(psi, tuple):
            from hybrid_workbench.algorithms import _qaoa_kernels as k

            return k.combine(*psi)
        return psi

    def _phase_table(self, gamma: float) -> np.ndarray:
        return np.exp(-1j * gamma * self.levels)

    def _evolve_split(self, gammas: Sequence[float], betas: Sequence[float],
                      thetas: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        import numba

        from hybrid_workbench.algorithms import _qaoa_kernels as k

        n = self.n
        if self._split is None:
            self._split = (np.empty(2 ** n), np.empty(2 ** n))
        re, im = self._split
        if thetas is None:
            k.fill(re, im, 2.0 ** (-n / 2))
        else:
            psi = self.initial_state(thetas)
            re[:], im[:] = psi.real, psi.imag
            del psi
        if n == 0:
            return re, im
        plan = sweep_plan(n)
        (_, first), later = plan[0], plan[1:]
        if later:
            w = min(ROW_AMPS, 2 ** first)
            size = (2 ** max(nb for _, nb in later)) * w
            threads = numba.get_num_threads()
            bre, bim = np.empty((threads, size)), np.empty((threads, size))
        dummy_c, dummy_i = np.zeros(1), np.zeros(1, dtype=np.uint16)
        for g, b in zip(gammas, betas):
            mats = x_mixer(b, n) if thetas is None else warm_mixer(b, thetas)
            mix = mixer_table(mats)
            if self.table_mode:
                table = self._phase_table(float(g))
                tre, tim, idx, cost = table.real.copy(), table.imag.copy(), self._idx, dummy_c
            else:
                tre, tim, idx, cost = dummy_c, dummy_c, dummy_i, self._cost
            k.low_sweep(re, im, first, mix, thetas is None, self.table_mode, tre, tim, idx,
                        cost, float(g))
            for lo, nb in later:
                k.high_sweep(re, im, lo, nb, mix, thetas is None, w, bre, bim)
        return re, im

    def _layer(self, psi: Any, gamma: float, mats: np.ndarray) -> Any:
        """One layer on a complex state (numpy, cupy); returns the new state.

        The cost phase is one elementwise product. On large states (and always on CuPy) the
        mixers go ``GROUP_QUBITS`` qubits at a time as one matrix product with their
        ``2**k x 2**k`` tensor product (BLAS or cuBLAS, into a second buffer):
        ``ceil(n / k)`` passes over the state per layer instead of several temporaries
        per qubit. Small NumPy states take one vectorised update per qubit, which is
        faster there (measured here: n = 14, 3.9 ms against 12.3 ms per p = 2
        evaluation; n = 22, 2.9 s against 1.1 s the other way round).
        """
        if self.n == 0:
            return psi
        xp = self.xp
        if self.table_mode:
            psi *= xp.asarray(self._phase_table(gamma))[self._idx]
        else:
            psi *= xp.exp(-1j * gamma * self._cost)
        if xp is np and self.n < GROUPED_MIN_QUBITS:
            for q in range(self.n):
                m = mats[q]
                v = psi.reshape(-1, 2, 2 ** q)
                a = v[:, 0, :].copy()
                b = v[:, 1, :]
                v[:, 0, :] = m[0, 0] * a + m[0, 1] * b
                v[:, 1, :] = m[1, 0] * a + m[1, 1] * b
            return psi
        out = xp.empty_like(psi)
        lo = 0
        while lo < self.n:
            k = min(GROUP_QUBITS, self.n - lo)
            M = xp.asarray(group_matrix(mats, lo, k))
            if lo == 0:
                xp.matmul(psi.reshape(-1, 2 ** k), M.T, out=out.reshape(-1, 2 ** k))
            else:
                xp.matmul(M, psi.reshape(-1, 2 ** k, 2 ** lo), out=out.reshape(-1, 2 ** k, 2 ** lo))
            psi, out = out, psi
            lo += k
        return psi

    # -- observables ----------------------------------------------------------------------
    def probabilities(self, psi: Any) -> Any:
        """``|psi|^2`` of a complex state or of the numba engine's ``(re, im)`` pair."""
        if isinstance(psi, tuple):
            from hybrid_workbench.algorithms import _qaoa_kernels as k

            return k.probabilities(*psi)
        return psi.real ** 2 + psi.imag ** 2

    def energy_of(self, psi: Any) -> float:
        """``<psi|C|psi>`` (``psi`` complex, or ``(re, im)`` from the numba engine)."""
        if self.engine == "numba":
            from hybrid_workbench.algorithms import _qaoa_kernels as k

            re, im = psi if isinstance(psi, tuple) else (psi.real, psi.imag)
            table = self.table_mode
            return float(k.energy(re, im, table,
                                  self._idx if table else np.zeros(1, dtype=np.uint16),
                                  self.levels if table else np.zeros(1),
                                  np.zeros(1) if table else self._cost))
        p = self.probabilities(psi)
        if self.table_mode:
            hist = self.xp.bincount(self._idx, weights=p, minlength=len(self.levels))
            return float(self._asnumpy(hist) @ self.levels)
        return float(p @ self._cost)

    def expectation(self, gammas: Sequence[float], betas: Sequence[float],
                    thetas: np.ndarray | None = None) -> float:
        """``<g, b| C |g, b>``, energy offset included."""
        return self.energy_of(self.evolve(gammas, betas, thetas))

    def objective(self, gammas: Sequence[float], betas: Sequence[float],
                  thetas: np.ndarray | None = None, alpha: float = 1.0) -> float:
        """The expectation (``alpha >= 1``) or the CVaR at ``alpha``, without leaving the
        engine's own state form (no complex copy of a large state)."""
        psi = self.evolve(gammas, betas, thetas)
        return self.energy_of(psi) if alpha >= 1 else self.cvar(psi, alpha)

    def cvar(self, psi: Any, alpha: float) -> float:
        """Conditional value at risk: mean energy of the lowest ``alpha`` probability mass."""
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha must be in (0, 1], got {alpha}")
        p = self.probabilities(psi)
        if self.table_mode:
            if self.engine == "numba":
                from hybrid_workbench.algorithms import _qaoa_kernels as k

                mass = k.histogram(p, self._idx, len(self.levels))
            else:
                mass = self._asnumpy(self.xp.bincount(self._idx, weights=p,
                                                      minlength=len(self.levels)))
            values = self.levels
        else:
            order = self.xp.argsort(self._cost)
            mass, values = self._asnumpy(p[order]), self._asnumpy(self._cost[order])
        cum = np.cumsum(mass)
        take = np.clip(alpha - (cum - mass), 0.0, mass)
        return float(take @ values / alpha)

    def sample(self, psi: Any, shots: int, rng: np.random.Generator) -> np.ndarray:
        """``shots`` basis-state indices drawn from ``|psi|^2`` (two-level: blocks, then states)."""
        p = self._asnumpy(self.probabilities(psi))
        block = min(p.size, 2 ** 12)
        blocks = p.reshape(-1, block).sum(axis=1)
        counts = rng.multinomial(shots, blocks / blocks.sum())
        out = []
        for b in np.flatnonzero(counts):
            w = p[b * block:(b + 1) * block]
            out.append(b * block + rng.choice(block, size=counts[b], p=w / w.sum()))
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)
