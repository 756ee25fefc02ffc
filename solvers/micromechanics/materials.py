"""Linear elastic materials: isotropic (E, nu) or anisotropic crystals with an orientation.

Units: moduli in GPa, density in g/cm^3 (= Mg/m^3, the unit of Ashby charts).
Voigt convention: see :mod:`solvers.micromechanics.voigt`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from solvers.micromechanics.plasticity import Plasticity
from solvers.micromechanics.voigt import rotate_stiffness, rotation_from_euler

__all__ = [
    "Material",
    "isotropic",
    "anisotropic",
    "isotropic_stiffness",
    "bulk_shear_from_E_nu",
    "E_nu_from_bulk_shear",
    "stiffness_from_constants",
    "homogenized_material",
    "checked_stiffness",
]


def checked_stiffness(C: npt.ArrayLike, what: str, symmetry_tolerance: float = 1e-8) -> np.ndarray:
    """A stiffness (or compliance) matrix, refused unless it is finite, symmetric and positive definite.

    Checked before it is symmetrized or inverted: a computed effective stiffness that fails
    these tests comes from a broken solve, not from the material.

    Parameters
    ----------
    C : array_like, shape (n, n)
        The matrix (GPa for a stiffness, 1/GPa for a compliance).
    what : str
        What it is, for the error message.
    symmetry_tolerance : float
        Largest ``|C - C^T| / |C|`` accepted (entrywise maximum over the largest entry).

    Returns
    -------
    numpy.ndarray
        ``C`` as a float array (not symmetrized).

    Raises
    ------
    ValueError
        With the asymmetry or the smallest eigenvalue found.
    """
    C = np.array(C, dtype=float)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ValueError(f"{what} must be a square matrix, got shape {C.shape}")
    if not np.all(np.isfinite(C)):
        raise ValueError(f"{what} has non-finite entries: {C.tolist()}")
    scale = np.abs(C).max()
    if scale == 0:
        raise ValueError(f"{what} is zero")
    asymmetry = np.abs(C - C.T).max() / scale
    if asymmetry > symmetry_tolerance:
        i, j = np.unravel_index(np.argmax(np.abs(C - C.T)), C.shape)
        raise ValueError(f"{what} is not symmetric: |C - C^T| / |C| = {asymmetry:.3g} > {symmetry_tolerance:g} "
                         f"(entry ({i + 1}, {j + 1}) = {C[i, j]:.6g}, ({j + 1}, {i + 1}) = {C[j, i]:.6g})")
    eigenvalues = np.linalg.eigvalsh(0.5 * (C + C.T))
    if eigenvalues.min() <= 1e-12 * scale:
        raise ValueError(f"{what} is not positive definite: eigenvalues {np.array2string(eigenvalues, precision=4)} "
                         "(allowed: all > 0)")
    return C


def isotropic_stiffness(E: float, nu: float) -> np.ndarray:
    """Voigt stiffness of an isotropic solid.

    Parameters
    ----------
    E : float
        Young's modulus (GPa), > 0.
    nu : float
        Poisson's ratio, in (-1, 0.5).

    Returns
    -------
    numpy.ndarray, shape (6, 6)
        Voigt stiffness (GPa).
    """
    lam = E * nu / ((1 + nu) * (1 - 2 * nu))
    mu = E / (2 * (1 + nu))
    C = np.zeros((6, 6))
    C[:3, :3] = lam
    C[np.arange(3), np.arange(3)] = lam + 2 * mu
    C[np.arange(3, 6), np.arange(3, 6)] = mu
    return C


def bulk_shear_from_E_nu(E: float, nu: float) -> tuple[float, float]:
    """Bulk and shear moduli (GPa) from Young's modulus (GPa) and Poisson's ratio."""
    return E / (3 * (1 - 2 * nu)), E / (2 * (1 + nu))


def E_nu_from_bulk_shear(K: float, G: float) -> tuple[float, float]:
    """Young's modulus (GPa) and Poisson's ratio from bulk and shear moduli (GPa)."""
    return 9 * K * G / (3 * K + G), (3 * K - 2 * G) / (2 * (3 * K + G))


@dataclass(frozen=True, eq=False)
class Material:
    """A linear elastic phase material.

    Parameters
    ----------
    name : str
        Name shown in outputs.
    stiffness : numpy.ndarray, shape (6, 6)
        Voigt stiffness in the sample frame (GPa), symmetric positive definite.
    density : float
        Mass density (g/cm^3), > 0.
    E, nu : float or None
        Young's modulus (GPa) and Poisson's ratio when the material is isotropic.
    source : str
        Where the numbers come from.
    plasticity : VonMisesPlasticity or DruckerPragerPlasticity or None
        Yield and hardening data (GPa), used by inelastic analyses (strength); isotropic
        materials only. None: the phase stays elastic.
    fracture_energy : float or None
        Critical energy release rate ``Gc`` (J/m^2 = GPa nm), > 0, used by the toughness
        analysis (phase-field fracture). None: not known.
    """

    name: str
    stiffness: np.ndarray
    density: float
    E: float | None = None
    nu: float | None = None
    source: str = "given inline"
    plasticity: Plasticity | None = None
    fracture_energy: float | None = None

    def __post_init__(self) -> None:
        if np.shape(self.stiffness) != (6, 6):
            raise ValueError(f"material '{self.name}': stiffness must be 6x6 (Voigt), got shape {np.shape(self.stiffness)}")
        C = checked_stiffness(self.stiffness, f"material '{self.name}': stiffness", symmetry_tolerance=1e-10)
        if not (np.isfinite(self.density) and self.density > 0):
            raise ValueError(f"material '{self.name}': density={self.density} g/cm^3 is not allowed; must be > 0")
        if self.fracture_energy is not None and not (np.isfinite(self.fracture_energy) and self.fracture_energy > 0):
            raise ValueError(f"material '{self.name}': fracture_energy={self.fracture_energy} J/m^2 is not allowed; "
                             f"must be > 0")
        if self.plasticity is not None and self.E is None:
            raise ValueError(f"material '{self.name}': plasticity needs an isotropic material (E, nu); this one is anisotropic")
        C = C.copy()
        C.setflags(write=False)
        object.__setattr__(self, "stiffness", C)

    @property
    def is_isotropic(self) -> bool:
        """True when the material was defined by (E, nu)."""
        return self.E is not None

    @property
    def bulk_shear(self) -> tuple[float, float]:
        """Bulk and shear moduli (GPa) of an isotropic material."""
        if self.E is None or self.nu is None:
            raise ValueError(f"material '{self.name}' is anisotropic; it has no single bulk/shear modulus")
        return bulk_shear_from_E_nu(self.E, self.nu)

    @property
    def compliance(self) -> np.ndarray:
        """Voigt compliance (1/GPa), the inverse of :attr:`stiffness`."""
        return np.linalg.inv(self.stiffness)

    def rotated(self, R: npt.ArrayLike) -> Material:
        """A new material turned by the rotation ``R`` (crystal to sample frame)."""
        return replace(self, stiffness=rotate_stiffness(self.stiffness, R))

    def to_dict(self) -> dict:
        """JSON-ready description (GPa, g/cm^3)."""
        out: dict = {"name": self.name, "density_g_cm3": self.density, "source": self.source}
        if self.is_isotropic:
            out.update(E_GPa=self.E, nu=self.nu)
        out["C_GPa"] = self.stiffness.tolist()
        if self.plasticity is not None:
            out["plasticity"] = self.plasticity.to_dict()
        if self.fracture_energy is not None:
            out["fracture_energy_J_m2"] = self.fracture_energy
        return out


def isotropic(E: float, nu: float, density: float, name: str = "isotropic", source: str = "given inline",
              plasticity: Plasticity | None = None) -> Material:
    """An isotropic material.

    Parameters
    ----------
    E : float
        Young's modulus (GPa), > 0.
    nu : float
        Poisson's ratio, in the open interval (-1, 0.5).
    density : float
        Mass density (g/cm^3), > 0.
    name, source : str
        Label and provenance.
    plasticity : VonMisesPlasticity or DruckerPragerPlasticity, optional
        Yield and hardening data (GPa).

    Returns
    -------
    Material
    """
    if not (np.isfinite(E) and E > 0):
        raise ValueError(f"material '{name}': E={E} GPa is not allowed; must be > 0")
    if not (-1.0 < nu < 0.5):
        raise ValueError(f"material '{name}': nu={nu} is outside the allowed range (-1, 0.5)")
    return Material(name=name, stiffness=isotropic_stiffness(E, nu), density=density, E=E, nu=nu, source=source,
                    plasticity=plasticity)


def anisotropic(
    stiffness: npt.ArrayLike,
    density: float,
    euler_deg: Sequence[float] | None = None,
    name: str = "anisotropic",
    source: str = "given inline",
) -> Material:
    """An anisotropic crystal, optionally turned to a given orientation.

    Parameters
    ----------
    stiffness : array_like, shape (6, 6)
        Crystal-frame Voigt stiffness (GPa).
    density : float
        Mass density (g/cm^3).
    euler_deg : sequence of 3 floats, optional
        Bunge Euler angles (degrees) of the crystal in the sample frame.
    name, source : str
        Label and provenance.

    Returns
    -------
    Material
    """
    material = Material(name=name, stiffness=np.asarray(stiffness, dtype=float), density=density, source=source)
    if euler_deg is None:
        return material
    if len(euler_deg) != 3:
        raise ValueError(f"material '{name}': euler_deg={list(euler_deg)} must hold 3 angles (degrees)")
    return material.rotated(rotation_from_euler(*euler_deg))


def stiffness_from_constants(constants: Mapping[str, float], symmetry: str) -> np.ndarray:
    """Voigt stiffness (GPa) from named crystal constants such as ``{"C11": 137, ...}``.

    Parameters
    ----------
    constants : mapping of str to float
        Independent constants of the crystal class (GPa), keys ``"Cij"`` with i <= j.
    symmetry : {"cubic", "hexagonal", "orthorhombic"}
        Crystal class; the dependent constants follow from it (hexagonal: C66 = (C11 - C12)/2).

    Returns
    -------
    numpy.ndarray, shape (6, 6)
    """
    c = dict(constants)
    if symmetry == "cubic":
        c.update(C22=c["C11"], C33=c["C11"], C13=c["C12"], C23=c["C12"], C55=c["C44"], C66=c["C44"])
    elif symmetry == "hexagonal":
        c.update(C22=c["C11"], C23=c["C13"], C55=c["C44"], C66=(c["C11"] - c["C12"]) / 2)
    elif symmetry != "orthorhombic":
        raise ValueError(f"symmetry='{symmetry}' is not supported; allowed: cubic, hexagonal, orthorhombic")
    C = np.zeros((6, 6))
    for key, value in c.items():
        i, j = int(key[1]) - 1, int(key[2]) - 1
        C[i, j] = C[j, i] = value
    return C


def homogenized_material(
    C: npt.ArrayLike,
    density: float,
    name: str,
    euler_deg: Sequence[float] | None = None,
    source: str = "homogenized lower scale",
) -> Material:
    """An anisotropic material whose stiffness is an RVE's effective stiffness (multiscale cases).

    Parameters
    ----------
    C : array_like, shape (6, 6)
        Effective Voigt stiffness of a 3D RVE (GPa); symmetrized (it is symmetric to solver
        accuracy).
    density : float
        Effective density (g/cm^3).
    name : str
        Material name.
    euler_deg : sequence of 3 floats, optional
        Bunge angles (degrees) turning the lower-scale frame into this scale's frame.
    source : str
        Provenance text.

    Returns
    -------
    Material
    """
    C = np.asarray(C, dtype=float)
    if C.shape != (6, 6):
        raise ValueError(f"material '{name}': a lower scale must be a 3D RVE (6x6 stiffness), got a {C.shape[0]}x{C.shape[1]} "
                         "(plane-strain) result")
    return anisotropic(0.5 * (C + C.T), density, euler_deg=euler_deg, name=name, source=source)
