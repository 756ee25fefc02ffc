"""Core-shell particles: a crystalline core wrapped in amorphous shells (or the inverse), also
hollow and multi-shell particles, randomly packed in a matrix.

The particles are placed exactly like :func:`meshing.particles.particles_geometry` spheres of
the outer radius (same seed, same positions); each is then drawn as concentric balls from the
outside in, the phases alternating shell, core, shell, ... With ``shell_thickness = 0`` the
geometry is the plain particle geometry. ``hollow`` fills the innermost region with the matrix
(a closed pore filled with matrix material). Units: nm.
"""

from __future__ import annotations

from collections.abc import Sequence

from meshing.geometry import PeriodicGeometry, ThinFeature
from meshing.particles import particles_geometry
from meshing.shapes import Ball

__all__ = ["core_shell_geometry"]

MAX_SHELLS = 6


def core_shell_geometry(
    count: int,
    volume_fraction: float,
    box: Sequence[float],
    shell_thickness: float,
    shells: int = 1,
    hollow: bool = False,
    size_distribution: str = "monodisperse",
    size_spread: float = 0.2,
    gap: float | None = None,
    lattice: str = "aligned",
    seed: int = 0,
    core_phase: str = "core",
    shell_phase: str = "shell",
    matrix_phase: str = "matrix",
) -> PeriodicGeometry:
    """Geometry of core-shell (or multi-shell, hollow) spherical particles in a matrix.

    Parameters
    ----------
    count, volume_fraction, box, size_distribution, size_spread, gap, lattice, seed
        As :func:`meshing.particles.particles_geometry`; ``volume_fraction`` counts whole
        particles (cores and shells).
    shell_thickness : float
        Thickness of every shell (nm), >= 0.
    shells : int
        Number of shells (1 to 6); the phases alternate shell, core, shell, ... from the
        outside in, and the core takes the phase after the last shell.
    hollow : bool
        The innermost region is matrix instead of the next phase.
    core_phase, shell_phase, matrix_phase : str
        Phase names (a crystalline core in an amorphous shell, or the inverse).

    Returns
    -------
    PeriodicGeometry
    """
    if shell_thickness < 0:
        raise ValueError(f"shell_thickness={shell_thickness} nm is not allowed; must be >= 0")
    if not (isinstance(shells, int) and 1 <= shells <= MAX_SHELLS):
        raise ValueError(f"shells={shells!r} is outside the allowed range 1..{MAX_SHELLS}")
    if len({core_phase, shell_phase, matrix_phase}) < 3:
        raise ValueError("core_phase, shell_phase and matrix_phase must be three different names")
    plain = particles_geometry(count, volume_fraction, box, shape="sphere", size_distribution=size_distribution,
                               size_spread=size_spread, gap=gap, lattice=lattice, seed=seed,
                               particle_phase=core_phase, matrix_phase=matrix_phase)
    if shell_thickness == 0:
        return plain
    smallest = min(ball.radius for ball in plain.shapes)
    if shells * shell_thickness >= smallest:
        raise ValueError(f"{shells} shell(s) of {shell_thickness:g} nm do not fit in the smallest particle "
                         f"(radius {smallest:.4g} nm); thin the shells or enlarge the particles")
    phases = [shell_phase if k % 2 == 0 else core_phase for k in range(shells + 1)]
    if hollow:
        phases[-1] = matrix_phase
    shapes = []
    for ball in plain.shapes:
        for k, phase in enumerate(phases):
            shapes.append(Ball(phase, ball.center, ball.radius - k * shell_thickness, crystal_euler=ball.crystal_euler))
    features = tuple(ThinFeature(phase, shell_thickness, f"shell {k + 1} of each particle")
                     for k, phase in enumerate(phases[:-1]))
    return PeriodicGeometry(plain.box, matrix_phase, tuple(shapes), features)
