"""Small-strain kinematics in UFL, in the Voigt convention of :mod:`solvers.micromechanics.voigt`.

Strains are always the six Voigt components (11, 22, 33, 23, 13, 12, engineering shears), in 2D
too: a 2D RVE is a prismatic microstructure in generalized plane strain, where the in-plane
displacement gives e11, e22, g12, the out-of-plane strain e33 is uniform (a macroscopic value,
0 for plane strain) and g13 = g23 = 0. Constitutive laws therefore see 3D strains everywhere and
return 3D stresses (sigma33 included). Units: strain dimensionless, lengths nm.
"""

from __future__ import annotations

import ufl

__all__ = ["voigt_strain", "voigt_vector", "symmetric_tensor"]


def voigt_strain(u: ufl.core.expr.Expr, out_of_plane: ufl.core.expr.Expr | float = 0.0) -> ufl.core.expr.Expr:
    """Engineering Voigt strain (6 components) of a displacement or fluctuation field.

    Parameters
    ----------
    u : UFL expression
        Vector field of dimension 2 or 3 (nm).
    out_of_plane : UFL expression or float
        Uniform strain e33 of a 2D field (generalized plane strain); ignored in 3D.

    Returns
    -------
    UFL vector of 6 components ``(e11, e22, e33, g23, g13, g12)``.
    """
    e = ufl.sym(ufl.grad(u))
    if ufl.shape(u)[0] == 3:
        return ufl.as_vector([e[0, 0], e[1, 1], e[2, 2], 2 * e[1, 2], 2 * e[0, 2], 2 * e[0, 1]])
    return ufl.as_vector([e[0, 0], e[1, 1], out_of_plane, 0, 0, 2 * e[0, 1]])


def voigt_vector(components) -> ufl.core.expr.Expr:
    """A UFL vector from six Voigt components (numbers or UFL scalars)."""
    return ufl.as_vector(list(components))


def symmetric_tensor(voigt: ufl.core.expr.Expr, engineering: bool) -> ufl.core.expr.Expr:
    """The 3x3 symmetric tensor of a 6-component Voigt vector (shears halved when ``engineering``)."""
    half = 0.5 if engineering else 1.0
    v = voigt
    return ufl.as_matrix([
        [v[0], half * v[5], half * v[4]],
        [half * v[5], v[1], half * v[3]],
        [half * v[4], half * v[3], v[2]],
    ])
