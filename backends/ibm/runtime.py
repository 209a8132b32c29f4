"""Qiskit Runtime plumbing for ``ibm``: credentials, devices, execution modes, primitives.

* Credentials are never handled here: :func:`credential_source` only says *whether* there
  are some (``QISKIT_IBM_TOKEN`` in the environment, or an account saved with
  ``QiskitRuntimeService.save_account``), and a real device is fetched with
  ``QiskitRuntimeService()`` without arguments, which reads them itself. Nothing returned
  from this module holds a token, an instance or a URL.
* :func:`device` resolves a name: ``fake_*`` through
  ``FakeProviderForBackendV2().backend(name)`` (offline; the Runtime primitives then run in
  local testing mode, on Aer with the device's noise model), anything else through the
  service. A real name without credentials is refused with :data:`NO_CREDENTIALS`; a fake
  device is never put in the place of a real one.
* :func:`execution_mode` opens a ``Batch`` or ``Session`` (or none: job mode) around
  :func:`make_sampler` / :func:`make_estimator`.

``SamplerV2`` and ``EstimatorV2`` are deprecated since qiskit-ibm-runtime 0.50 in favour of
the client-side executor primitives, whose options differ; until those carry the same
error-mitigation options, these are the primitives to use, and their deprecation warning is
silenced here, by its exact message (it would print on every run and the user can do
nothing about it).
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import json
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hybrid_workbench.errors import BackendUnavailableError, OptionsError

__all__ = [
    "NO_CREDENTIALS",
    "calibration_time",
    "credential_source",
    "device",
    "execution_mode",
    "fake_device",
    "job_record",
    "make_estimator",
    "make_sampler",
]

#: Why a real device cannot run here (also the note ``hybrid backends`` shows).
NO_CREDENTIALS = ("no credentials: set QISKIT_IBM_TOKEN (or save an account); fake_* backends "
                  "run offline")

#: Where ``QiskitRuntimeService.save_account`` keeps accounts (qiskit-ibm-runtime's default).
SAVED_ACCOUNTS = Path("~/.qiskit/qiskit-ibm.json")

_DEPRECATED = r"The (Sampler|Estimator)V2 class is deprecated"


def credential_source() -> str | None:
    """``'environment'``, ``'saved account'`` or None; reads no secret into memory it keeps.

    The saved-account file is only checked to hold at least one account (its JSON is read
    without importing qiskit-ibm-runtime, so ``hybrid backends`` stays light).
    """
    if os.environ.get("QISKIT_IBM_TOKEN", "").strip():
        return "environment"
    path = SAVED_ACCOUNTS.expanduser()
    try:
        with path.open(encoding="utf-8") as handle:
            accounts = json.load(handle)
    except (OSError, ValueError):
        return None
    return "saved account" if isinstance(accounts, dict) and accounts else None


@functools.cache
def _provider() -> Any:
    """One ``FakeProviderForBackendV2`` per process (it builds every fake device object)."""
    from qiskit_ibm_runtime.fake_provider import FakeProviderForBackendV2

    with warnings.catch_warnings():  # fake_nighthawk's note, printed whatever is loaded
        warnings.filterwarnings("ignore", message="Properties of fake_", category=UserWarning)
        return FakeProviderForBackendV2()


def fake_names() -> tuple[str, ...]:
    """Names of the fake devices shipped with qiskit-ibm-runtime."""
    return tuple(sorted(b.name for b in _provider().backends()))


@functools.cache
def fake_device(name: str) -> Any:
    """The fake device ``name`` (loaded once per process: its JSON takes a second)."""
    from qiskit.providers.exceptions import QiskitBackendNotFoundError

    try:
        return _provider().backend(name)
    except QiskitBackendNotFoundError:
        close = difflib.get_close_matches(name, fake_names(), n=1)
        hint = (f"did you mean {close[0]!r}?" if close else
                "e.g. 'fake_sherbrooke' (127 qubits) or 'fake_oslo' (7 qubits)")
        raise OptionsError(f"option 'ibm_backend': {name!r} is not a fake device of "
                           f"qiskit_ibm_runtime.fake_provider; {hint}") from None


def check_device_name(name: str) -> None:
    """Refuse, without network, a name that cannot run here (see :data:`NO_CREDENTIALS`)."""
    if name.startswith("fake_"):
        fake_device(name)
    elif credential_source() is None:
        raise BackendUnavailableError(
            f"backend 'ibm': {name!r} is a real IBM Quantum device and there are "
            f"{NO_CREDENTIALS}")


def device(name: str) -> Any:
    """The device ``name``: a fake one offline, a real one through ``QiskitRuntimeService()``."""
    check_device_name(name)
    if name.startswith("fake_"):
        return fake_device(name)
    from qiskit_ibm_runtime import QiskitRuntimeService

    return QiskitRuntimeService().backend(name)  # credentials: environment or saved account


@contextlib.contextmanager
def execution_mode(backend: Any, mode: str) -> Iterator[Any]:
    """The ``mode=`` for the primitives: a ``Batch``/``Session`` (closed on exit) or the device."""
    if mode == "job":
        yield backend
        return
    from qiskit_ibm_runtime import Batch, Session

    cls = Batch if mode == "batch" else Session
    with cls(backend=backend) as context:
        yield context


def open_mode(backend: Any, mode: str) -> Any:
    """Like :func:`execution_mode`, left open for long-lived primitives (closed by the
    Runtime when its time-to-live expires)."""
    if mode == "job":
        return backend
    from qiskit_ibm_runtime import Batch, Session

    return (Batch if mode == "batch" else Session)(backend=backend)


def _primitive(cls_name: str, mode: Any, options: dict[str, Any], seed: int | None,
               local: bool) -> Any:
    import qiskit_ibm_runtime

    opts = dict(options)
    if local and seed is not None:
        opts["simulator"] = {"seed_simulator": int(seed)}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_DEPRECATED, category=DeprecationWarning)
        return getattr(qiskit_ibm_runtime, cls_name)(mode=mode, options=opts)


def make_sampler(mode: Any, options: dict[str, Any], seed: int | None, local: bool) -> Any:
    """A Runtime ``SamplerV2``; in local testing mode ``seed`` seeds the simulator."""
    return _primitive("SamplerV2", mode, options, seed, local)


def make_estimator(mode: Any, options: dict[str, Any], seed: int | None, local: bool) -> Any:
    """A Runtime ``EstimatorV2``; in local testing mode ``seed`` seeds the simulator."""
    return _primitive("EstimatorV2", mode, options, seed, local)


def calibration_time(backend: Any) -> str | None:
    """When the device was last calibrated (ISO 8601), from ``properties().last_update_date``."""
    try:
        props = backend.properties()
    except Exception:  # noqa: BLE001 - a device without properties simply has no date
        return None
    stamp = getattr(props, "last_update_date", None) if props is not None else None
    return stamp.isoformat() if hasattr(stamp, "isoformat") else None


def job_record(job: Any) -> dict[str, Any]:
    """Job id, session/batch id and QPU seconds of a finished Runtime job (no credentials)."""
    try:
        usage = float(job.usage())
    except Exception:  # noqa: BLE001 - usage is reported later on some channels
        usage = None
    session = getattr(job, "session_id", None)
    return {"job_id": str(job.job_id()), "session_id": None if session is None else str(session),
            "qpu_usage_s": usage}
