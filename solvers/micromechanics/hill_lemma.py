"""Hill's lemma as a run-time check of homogenized stiffness (GPa).

The volume average of the stress of a load case, dotted with another load case's macroscopic
strain, must equal the entry of the effective stiffness that the energy gives; the solver
residual bounds how far apart the two may be (Cauchy-Schwarz). Units: GPa.
"""

from __future__ import annotations

import numpy as np

__all__ = ["HILL_ROUNDOFF", "HillLemmaError", "check_hill_lemma"]

#: Entrywise roundoff allowed in Hill's lemma beyond the residual bound, relative to max |C|.
HILL_ROUNDOFF = 1e-9


class HillLemmaError(RuntimeError):
    """The phase-averaged stresses do not add up to the effective stiffness."""


def check_hill_lemma(C: np.ndarray, average_stress: np.ndarray, loads: np.ndarray, bound: np.ndarray) -> dict[str, float]:
    """Check that the average stresses of the load cases add up to the effective stiffness.

    For strain-driven loads ``E_I . <sigma_J>`` must equal ``C_IJ``, for stress-driven loads
    ``<sigma_J>`` must equal the applied stress, up to ``bound`` (what the solver residual allows,
    by Cauchy-Schwarz) plus roundoff.

    Parameters
    ----------
    C : numpy.ndarray, shape (n, n)
        What the average stresses must reproduce (GPa): the stiffness, or the applied stresses.
    average_stress : numpy.ndarray, shape (n, 6)
        Phase-weighted average Voigt stress of each load case (GPa).
    loads : numpy.ndarray, shape (n, 6)
        The unit macroscopic strains (or stress directions) as Voigt 6-vectors.
    bound : numpy.ndarray, shape (n, n)
        Residual bound on each entry (GPa).

    Returns
    -------
    dict
        ``{"max_defect": ..., "bound": ...}`` (GPa).

    Raises
    ------
    HillLemmaError
        When an entry departs by more than its bound.
    """
    reproduced = loads @ average_stress.T          # [I, J] = E_I . <sigma_J>
    defect = np.abs(reproduced - C)
    allowed = 2.0 * bound + HILL_ROUNDOFF * np.abs(C).max()
    if np.any(defect > allowed):
        i, j = np.unravel_index(np.argmax(defect - allowed), defect.shape)
        raise HillLemmaError(
            f"Hill's lemma fails: the phase-averaged stress of load case {j + 1} gives {reproduced[i, j]:.8g} GPa "
            f"for entry ({i + 1}, {j + 1}) where the energy gives {C[i, j]:.8g} GPa (defect {defect[i, j]:.3g} GPa, "
            f"allowed {allowed[i, j]:.3g} GPa by the solver residual): the stress integrals are not exact"
        )
    return {"max_defect": float(defect.max()), "bound": float(allowed.max())}
