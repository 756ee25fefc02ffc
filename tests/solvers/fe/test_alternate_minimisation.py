"""Acceleration of the alternate minimisation: Anderson mixing of a fixed-point map."""

import numpy as np
import pytest
from mpi4py import MPI

from solvers.fe.alternate_minimisation import AndersonMixing, StaggeredSettings


def _linear_map(n: int, contraction: float, seed: int = 0):
    # G(x) = M x + b with spectral radius `contraction`: a slow plain iteration, fixed point (I - M)^-1 b
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    M = Q @ np.diag(np.linspace(0.0, contraction, n)) @ Q.T
    b = rng.normal(size=n)
    return (lambda x: M @ x + b), np.linalg.solve(np.eye(n) - M, b)


def _iterations(update, G, n: int, tolerance: float = 1e-10, cap: int = 5000):
    x = np.zeros(n)
    for k in range(1, cap + 1):
        image = G(x)
        if np.abs(image - x).max() <= tolerance:
            return k, image
        x = update(x, image)
    return cap, x


def test_anderson_mixing_reaches_the_fixed_point_of_a_slow_contraction_in_far_fewer_passes():
    n = 40
    G, fixed_point = _linear_map(n, contraction=0.98)
    plain, x_plain = _iterations(lambda x, image: image, G, n)
    mixing = AndersonMixing(depth=5, relaxation=1.0, owned=n, comm=MPI.COMM_SELF)
    mixed, x_mixed = _iterations(mixing.update, G, n)
    assert np.abs(x_plain - fixed_point).max() < 1e-8 and np.abs(x_mixed - fixed_point).max() < 1e-8
    assert plain > 500 and mixed < plain / 5


def test_without_history_the_mixed_step_is_the_relaxed_step():
    mixing = AndersonMixing(depth=3, relaxation=1.5, owned=3, comm=MPI.COMM_SELF)
    x, image = np.array([0.0, 0.2, 0.5]), np.array([0.1, 0.2, 0.9])
    assert mixing.update(x, image) == pytest.approx(x + 1.5 * (image - x))


@pytest.mark.parametrize("key, value", [("relaxation", 2.0), ("relaxation", 0.9), ("anderson", -1), ("anderson", 2.5)])
def test_bad_acceleration_settings_are_refused(key, value):
    with pytest.raises(ValueError, match=key):
        StaggeredSettings(**{key: value})


def test_stalled_passes_are_told_from_converging_ones_and_from_a_running_crack_front():
    from solvers.fe.alternate_minimisation import stalled

    converging = list(4e-2 * 0.7 ** np.arange(30))
    circling = [2.0e-3, 2.8e-3] * 10 + [2.1e-3]                      # over-relaxed passes flip-flopping
    escaping = list(1e-3 * 1.03 ** np.arange(25))                     # slowly leaving a saddle
    front = list(4e-2 + 5e-3 * np.sin(np.arange(30)))                 # a crack running: large, steady changes
    assert not any(stalled(converging[:k]) for k in range(1, 31))
    assert stalled(circling) and stalled(escaping)
    assert not any(stalled(front[:k]) for k in range(1, 31))
    assert not stalled(circling[:19])                                 # too few passes to tell


def test_inexact_passes_start_and_end_on_full_accuracy_solves():
    # Fake solves on a 1-dof "damage" whose map converges in a few passes: the first displacement
    # solve of the step and the one after the damage has settled are full-accuracy, the ones in
    # between loose, and the solver is left at full accuracy. A last damage solve that changes
    # nothing after a loose solve still gets its full-accuracy displacement solve.
    from types import SimpleNamespace

    from solvers.fe.alternate_minimisation import alternate_minimisation

    class FakeDamage:
        def __init__(self, images):
            self.images = list(images)
            self.d = SimpleNamespace(x=SimpleNamespace(array=np.array([0.0])))
            self.space = SimpleNamespace(dofmap=SimpleNamespace(index_map=SimpleNamespace(size_local=1)))
            self.body = SimpleNamespace(comm=MPI.COMM_SELF)

        def push_to_laws(self):
            pass

        def set_driving(self):
            pass

        def solve(self):
            self.d.x.array[:] = self.images.pop(0)
            return 1

        def max_change(self, previous):
            return float(np.abs(self.d.x.array - previous).max())

        def set_within_bounds(self, values):
            self.d.x.array[:] = values

    modes, log = [], []
    report = SimpleNamespace(converged=True, iterations=1, krylov=[1], reason="")
    for images in ([0.5, 0.6, 0.6], [0.5, 0.6, 0.60001]):
        modes.clear()
        log.clear()
        damage = FakeDamage(images)
        result = alternate_minimisation(lambda: log.append(modes[-1]) or report, damage,
                                        StaggeredSettings(tolerance=1e-3, anderson=0, inexact=True),
                                        set_inexact=modes.append)
        assert result.converged and result.iterations == 3
        assert log == [False, True, True, False] and modes[-1] is False
