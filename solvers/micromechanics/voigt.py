"""Tensor conventions of amorfem, stated once.

Voigt notation
--------------
Every 6-vector and 6x6 matrix in amorfem uses the Voigt order

    11, 22, 33, 23, 13, 12

with **engineering** shear strains (gamma_23 = 2 eps_23, ...). Stresses are plain tensor
components. So ``sigma = C @ eps`` and the energy density is ``eps @ C @ eps / 2`` with
``C`` the usual Voigt stiffness (GPa). Mandel notation is not used anywhere.

In 2D (plane strain, x3 the out-of-plane axis) the order is 11, 22, 12 and the 3x3
plane-strain stiffness is the (11, 22, 12) block of the 3D stiffness.

Orientations
------------
A rotation matrix ``R`` maps crystal-frame components to sample-frame components,
``v_sample = R @ v_crystal``. Bunge Euler angles (phi1, Phi, phi2), in degrees, give
``R = Rz(phi1) @ Rx(Phi) @ Rz(phi2)`` (active rotations about the sample axes).

Units: stiffness in GPa, strain dimensionless.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "VOIGT_PAIRS",
    "PLANE_STRAIN_INDICES",
    "voigt_labels",
    "voigt_to_tensor",
    "tensor_to_voigt",
    "rotate_stiffness",
    "rotation_from_euler",
    "plane_strain",
    "unit_strain_tensor",
    "voigt_index",
    "tensor_from_voigt",
    "voigt_from_tensor",
    "VTK_SYMMETRIC_PAIRS",
    "GENERALIZED_PLANE_STRAIN_INDICES",
    "generalized_plane_strain_labels",
]

#: Tensor index pairs of the six Voigt components, in order 11, 22, 33, 23, 13, 12.
VOIGT_PAIRS: tuple[tuple[int, int], ...] = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))

#: Positions of the in-plane components 11, 22, 12 among the six Voigt components.
PLANE_STRAIN_INDICES: tuple[int, int, int] = (0, 1, 5)

#: Positions of 11, 22, 33, 12 among the six Voigt components: the stiffness of a 2D (prismatic)
#: microstructure under generalized plane strain, where the out-of-plane strain 33 is uniform.
GENERALIZED_PLANE_STRAIN_INDICES: tuple[int, int, int, int] = (0, 1, 2, 5)

#: Tensor index pairs of VTK's 6-component symmetric tensors (XX, YY, ZZ, XY, YZ, XZ), the order
#: of the strain and stress cell arrays in results folders.
VTK_SYMMETRIC_PAIRS: tuple[tuple[int, int], ...] = ((0, 0), (1, 1), (2, 2), (0, 1), (1, 2), (0, 2))


def voigt_labels(dim: int) -> tuple[str, ...]:
    """Labels of the Voigt components of a ``dim``-dimensional RVE.

    Parameters
    ----------
    dim : int
        2 (plane strain) or 3.

    Returns
    -------
    tuple of str
        ``("11", "22", "33", "23", "13", "12")`` in 3D, ``("11", "22", "12")`` in 2D.
    """
    labels = tuple(f"{i + 1}{j + 1}" for i, j in VOIGT_PAIRS)
    if dim == 3:
        return labels
    if dim == 2:
        return tuple(labels[k] for k in PLANE_STRAIN_INDICES)
    raise ValueError(f"dim={dim} is not supported; allowed: 2 or 3")


def voigt_to_tensor(C: npt.ArrayLike) -> np.ndarray:
    """Fourth-order stiffness tensor from a 6x6 Voigt stiffness.

    Parameters
    ----------
    C : array_like, shape (6, 6)
        Voigt stiffness (GPa), engineering shear convention.

    Returns
    -------
    numpy.ndarray, shape (3, 3, 3, 3)
        C_ijkl (GPa) with minor and major symmetries.
    """
    C = np.asarray(C, dtype=float)
    T = np.zeros((3, 3, 3, 3))
    for I, (i, j) in enumerate(VOIGT_PAIRS):
        for J, (k, l) in enumerate(VOIGT_PAIRS):
            for a, b in ((i, j), (j, i)):
                T[a, b, k, l] = T[a, b, l, k] = C[I, J]
    return T


def tensor_to_voigt(T: npt.ArrayLike) -> np.ndarray:
    """6x6 Voigt stiffness from a fourth-order stiffness tensor.

    Parameters
    ----------
    T : array_like, shape (3, 3, 3, 3)
        C_ijkl (GPa).

    Returns
    -------
    numpy.ndarray, shape (6, 6)
        Voigt stiffness (GPa).
    """
    T = np.asarray(T, dtype=float)
    return np.array([[T[i, j, k, l] for (k, l) in VOIGT_PAIRS] for (i, j) in VOIGT_PAIRS])


def rotate_stiffness(C: npt.ArrayLike, R: npt.ArrayLike) -> np.ndarray:
    """Voigt stiffness of a crystal turned by the rotation ``R``.

    Parameters
    ----------
    C : array_like, shape (6, 6)
        Crystal-frame Voigt stiffness (GPa).
    R : array_like, shape (3, 3)
        Proper rotation, crystal to sample frame.

    Returns
    -------
    numpy.ndarray, shape (6, 6)
        Sample-frame Voigt stiffness (GPa).
    """
    R = np.asarray(R, dtype=float)
    if R.shape != (3, 3) or not np.allclose(R @ R.T, np.eye(3), atol=1e-10) or np.linalg.det(R) < 0:
        raise ValueError(f"R must be a proper 3x3 rotation matrix; got {R.tolist()}")
    T = np.einsum("ip,jq,kr,ls,pqrs->ijkl", R, R, R, R, voigt_to_tensor(C))
    return tensor_to_voigt(T)


def _rotation_about(axis: int, angle_deg: float) -> np.ndarray:
    c, s = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    i, j = [k for k in range(3) if k != axis]
    R = np.eye(3)
    R[i, i], R[i, j], R[j, i], R[j, j] = c, -s, s, c
    return R


def rotation_from_euler(phi1: float, Phi: float, phi2: float) -> np.ndarray:
    """Rotation matrix from Bunge Euler angles.

    Parameters
    ----------
    phi1, Phi, phi2 : float
        Bunge (z-x-z) Euler angles in degrees.

    Returns
    -------
    numpy.ndarray, shape (3, 3)
        ``R = Rz(phi1) @ Rx(Phi) @ Rz(phi2)``, mapping crystal to sample components.
    """
    return _rotation_about(2, phi1) @ _rotation_about(0, Phi) @ _rotation_about(2, phi2)


def plane_strain(C: npt.ArrayLike) -> np.ndarray:
    """Plane-strain (11, 22, 12) block of a 6x6 Voigt stiffness.

    Parameters
    ----------
    C : array_like, shape (6, 6)
        Voigt stiffness (GPa).

    Returns
    -------
    numpy.ndarray, shape (3, 3)
        Plane-strain stiffness (GPa) with eps_33 = gamma_23 = gamma_13 = 0.
    """
    C = np.asarray(C, dtype=float)
    idx = np.array(PLANE_STRAIN_INDICES)
    return C[np.ix_(idx, idx)].copy()


def _voigt_pairs(dim: int) -> tuple[tuple[int, int], ...]:
    if dim == 3:
        return VOIGT_PAIRS
    return tuple(VOIGT_PAIRS[k] for k in PLANE_STRAIN_INDICES)


def unit_strain_tensor(component: int, dim: int) -> np.ndarray:
    """Macroscopic strain tensor of a unit Voigt strain component.

    Parameters
    ----------
    component : int
        Index into the Voigt order of ``voigt_labels(dim)``.
    dim : int
        2 or 3.

    Returns
    -------
    numpy.ndarray, shape (dim, dim)
        Symmetric strain (dimensionless); a shear component gives engineering shear 1,
        i.e. tensor components 1/2.
    """
    i, j = _voigt_pairs(dim)[component]
    E = np.zeros((dim, dim))
    if i == j:
        E[i, i] = 1.0
    else:
        E[i, j] = E[j, i] = 0.5
    return E


def generalized_plane_strain_labels() -> tuple[str, ...]:
    """Labels ``("11", "22", "33", "12")`` of the generalized plane-strain stiffness of a 2D RVE."""
    labels = voigt_labels(3)
    return tuple(labels[k] for k in GENERALIZED_PLANE_STRAIN_INDICES)


def voigt_index(label: str) -> int:
    """Position (0-5) of a Voigt component label such as ``"23"`` or ``"32"`` among the six."""
    pair = tuple(sorted((int(label[0]) - 1, int(label[1]) - 1))) if len(label) == 2 and set(label) <= set("123") else None
    pairs = [tuple(sorted(p)) for p in VOIGT_PAIRS]
    if pair not in pairs:
        raise ValueError(f"'{label}' is not a Voigt component label; allowed: {', '.join(voigt_labels(3))}")
    return pairs.index(pair)


def tensor_from_voigt(voigt: npt.ArrayLike, engineering: bool) -> np.ndarray:
    """Symmetric tensors (..., 3, 3) from Voigt vectors (..., 6).

    Parameters
    ----------
    voigt : array_like, shape (..., 6)
        Voigt vectors in the order 11, 22, 33, 23, 13, 12.
    engineering : bool
        True for strains (shear entries are engineering shears, halved into the tensor),
        False for stresses.
    """
    v = np.asarray(voigt, dtype=float)
    out = np.zeros((*v.shape[:-1], 3, 3))
    for k, (i, j) in enumerate(VOIGT_PAIRS):
        value = v[..., k] * (0.5 if engineering and i != j else 1.0)
        out[..., i, j] = value
        out[..., j, i] = value
    return out


def voigt_from_tensor(tensor: npt.ArrayLike, engineering: bool) -> np.ndarray:
    """Voigt vectors (..., 6) of symmetric tensors (..., 3, 3); ``engineering`` doubles the shears (strains)."""
    T = np.asarray(tensor, dtype=float)
    return np.stack([T[..., i, j] * (2.0 if engineering and i != j else 1.0) for i, j in VOIGT_PAIRS], axis=-1)
