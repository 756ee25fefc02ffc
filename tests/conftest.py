"""Shared fixtures. Units: nm, GPa, g/cm^3.

The two-phase materials are those of ``../shared/REFERENCES.md`` (matrix E=3, nu=0.35;
inclusions E=70, nu=0.2), so bounds have published check values.
"""

from __future__ import annotations

import pytest

from solvers.micromechanics.materials import Material, isotropic


@pytest.fixture(scope="session")
def soft_matrix() -> Material:
    """REFERENCES.md phase 1: E = 3 GPa, nu = 0.35."""
    return isotropic(3.0, 0.35, 1.2, name="soft_matrix")


@pytest.fixture(scope="session")
def stiff_inclusion() -> Material:
    """REFERENCES.md phase 2: E = 70 GPa, nu = 0.2."""
    return isotropic(70.0, 0.2, 2.5, name="stiff_inclusion")
