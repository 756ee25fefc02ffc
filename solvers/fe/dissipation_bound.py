"""A bound on the energy one load step may dissipate: path following through unstable cracking.

Under a prescribed crack-mouth opening a notched specimen (or an RVE under a prescribed strain)
still has events that the control does not hold: a weak interlayer away from the notch (a nacre head joint) that breaks at
once, a crack that kinks into an interface. In one load step such an event makes the alternate
minimisation crawl (each pass moves the damage about one cell) and skips the part of the path
where the load falls.

:class:`DissipationBound` limits every step to a dissipation increment ``dD``. In each pass the
displacement is the unit-load solution ``u_1`` at the current damage times a load factor
``lambda``; the damage minimises the energy at ``lambda u_1``. At fixed ``u_1`` the driving
energy is ``lambda^2 psi+(u_1)`` (every split is positively homogeneous of degree 2), and the
damage problem is convex, so its dissipation ``D(lambda)`` is continuous and non-decreasing.
``lambda`` is the opening's factor ``lambda_w`` when ``D(lambda_w) <= D_0 + dD``, and otherwise
the root of ``D(lambda) = D_0 + dD`` (Illinois regula falsi on ``f = (lambda / lambda_w)^2``).
A step whose bound is active at convergence is an equilibrium state short of the target
opening: the path follower accepts it and tries the same opening again (``report.partial``).
Each accepted state is in equilibrium, so the work of the force along the path is the elastic
plus dissipated energy. Units: energies GPa nm^2 per nm of thickness (2D) or GPa nm^3 (3D).
"""

from __future__ import annotations

import numpy as np

from solvers.fe.phase_field import DamageField

__all__ = ["DissipationBound"]


class DissipationBound:
    """Steps that dissipate at most ``increment`` each.

    Parameters
    ----------
    solve : callable
        ``(*target) -> report``: the displacement at fixed damage for the step's target (e.g.
        :meth:`SpecimenProblem.solve_opening` at an opening, or :meth:`MacroStrainProblem.solve_to`);
        the problem must be linear at fixed damage.
    scale_load : callable
        ``factor -> None``: scales the current state's load and displacement (laws re-evaluated).
    damage : DamageField
    increment : float
        Largest dissipation of one step (GPa nm^2 per nm of thickness in 2D, GPa nm^3 in 3D), > 0.
    rtol : float
        Tolerance of the bounded dissipation, relative to ``increment``.
    """

    def __init__(self, solve, scale_load, damage: DamageField, increment: float, rtol: float = 1e-6) -> None:
        if not increment > 0:
            raise ValueError(f"dissipation increment={increment} must be > 0")
        self._solve, self._scale, self.damage = solve, scale_load, damage
        self.increment, self.rtol = float(increment), rtol
        self.factor = 1.0          # (lambda / lambda_w)^2 of the current pass
        self.evaluations = 0       # damage solves, bounded search included
        self._start = 0.0

    @property
    def active(self) -> bool:
        """The bound holds the load below the opening's (the state is short of the target)."""
        return self.factor < 1.0

    def _energy(self) -> float:
        return self.damage.dissipated_energy() * self.damage.volume

    def begin_step(self) -> None:
        """A new step from the committed state."""
        self.factor = 1.0
        self._start = self._energy()

    def solve_displacement(self, *target):
        """The displacement at the step's target, scaled down by the bound's current factor."""
        report = self._solve(*target)
        if report.converged and self.factor < 1.0:
            self._scale(np.sqrt(self.factor))
        return report

    def damage_step(self) -> int:
        """Minimise over the damage at the load the bound allows; returns SNES iterations."""
        damage = self.damage
        damage.set_driving()
        at_opening = damage.driving.x.array / self.factor        # driving at lambda_w
        start = damage.d.x.array.copy()
        target = self._start + self.increment

        def dissipation(f: float) -> float:
            nonlocal iterations
            damage.driving.x.array[:] = f * at_opening
            damage.d.x.array[:] = start
            iterations += damage.solve()
            self.evaluations += 1
            return self._energy() - target

        iterations = 0
        g_hi = dissipation(1.0)
        if g_hi <= self.rtol * self.increment:
            self.factor = 1.0
            return iterations
        # D(0) <= the committed dissipation (d_committed is admissible): a bracket [0, 1]
        f_lo, g_lo, f_hi = 0.0, self._start - target, 1.0
        f = self.factor if self.factor < 1.0 else f_lo - g_lo * (f_hi - f_lo) / (g_hi - g_lo)
        side = 0
        for _ in range(40):
            g = dissipation(f)
            if abs(g) <= self.rtol * self.increment:
                break
            if g > 0:
                f_hi, g_hi = f, g
                if side == 1:
                    g_lo *= 0.5
                side = 1
            else:
                f_lo, g_lo = f, g
                if side == -1:
                    g_hi *= 0.5
                side = -1
            f = f_lo - g_lo * (f_hi - f_lo) / (g_hi - g_lo)
        self.factor = f
        return iterations
