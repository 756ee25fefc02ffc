"""Random packings of non-overlapping particles in a periodic box (pure NumPy/SciPy).

Random sequential addition (RSA) places particles one by one (largest first) at random
positions and, for non-spherical particles, random or aligned orientations, refusing any
position closer than ``gap`` to a placed particle or to a periodic image of one. Monodisperse
RSA jams near 38 vol% (spheres); for spheres and discs that RSA cannot finish, a collective
rearrangement pushes overlapping pairs apart until no two are closer than the gap, which reaches
well beyond 45 vol%. Non-spherical particles that RSA cannot finish are placed small and then
compressed by Monte Carlo: random small translations and turns (kept only when they create no
overlap) alternate with uniform growth of every particle about its centre, until the particles
have their full size. Overlap tests: exact for spheres, Perram-Wertheim for ellipsoids,
separating axes for convex polyhedra/polygons. Units: nm.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.spatial import ConvexHull, cKDTree

__all__ = ["Candidate", "JammingError", "pack"]


class JammingError(ValueError):
    """The packing could not be completed; the message states the fraction reached."""


@dataclass(eq=False)
class Candidate:
    """A particle to place: its kind, size in its own frame, and (once placed) centre and rotation.

    Attributes
    ----------
    kind : {"sphere", "ellipsoid", "polytope"}
    radius : float
        Sphere/disc radius, or the bounding radius of the others (nm).
    inner : float
        Radius of a ball inside the particle, about its centre (nm; 0 when unknown): particles
        whose centres are closer than the sum of these plus the gap overlap for certain.
    semi_axes : numpy.ndarray or None
        Ellipsoid semi-axes (nm).
    vertices : numpy.ndarray or None
        Polytope vertices in its own frame (nm).
    center, rotation : numpy.ndarray
        Placement (nm; rotation matrix from the particle frame to the cell).
    frame : tuple of numpy.ndarray or None
        Polytope face normals and edge directions in its own frame (cached).
    """

    kind: str
    radius: float
    inner: float = 0.0
    semi_axes: np.ndarray | None = None
    vertices: np.ndarray | None = None
    center: np.ndarray | None = None
    rotation: np.ndarray | None = None
    frame: tuple[np.ndarray, np.ndarray] | None = None


def _ellipsoids_clear(a: Candidate, b: Candidate, d: np.ndarray, gap: float) -> bool:
    """Perram-Wertheim: the ellipsoids, each scaled by ``1 + (gap/2) / (its smallest semi-axis)``,
    do not overlap iff max_l F(l) >= 1.

    A scaled copy ``(1 + s) E`` contains every point within ``s * min(semi-axes)`` of ``E`` (it is
    ``E`` plus ``s E``, which holds that ball), so clear scaled copies are at least ``gap`` apart;
    adding gap/2 to each semi-axis instead would not be (measured: 1 % closer than the gap for
    oblate spheroids).
    """
    def shape_inverse(c: Candidate) -> np.ndarray:
        scale = 1 + gap / 2 / c.semi_axes.min()
        return c.rotation @ np.diag((scale * c.semi_axes) ** 2) @ c.rotation.T

    A, B = shape_inverse(a), shape_inverse(b)
    # F is concave in lambda: a vectorised grid brackets the maximum, a bounded search refines it
    # (an under-estimated maximum only refuses a pair that is clear by a hair: conservative).
    matrices = (1 - _PW_GRID)[:, None, None] * A + _PW_GRID[:, None, None] * B
    F = _PW_GRID * (1 - _PW_GRID) * (np.linalg.solve(matrices, np.broadcast_to(d, (_PW_GRID.size, d.size))[..., None])[..., 0] @ d)
    k = int(np.argmax(F))
    if F[k] >= 1.0:
        return True

    def negative_F(lam: float) -> float:
        return -lam * (1 - lam) * d @ np.linalg.solve((1 - lam) * A + lam * B, d)

    best = minimize_scalar(negative_F, bounds=(_PW_GRID[max(k - 1, 0)] if k else 0.0, _PW_GRID[min(k + 1, _PW_GRID.size - 1)]
                                               if k < _PW_GRID.size - 1 else 1.0), method="bounded", options={"xatol": 1e-9})
    return max(-best.fun, F[k]) >= 1.0


#: Interior grid of the Perram-Wertheim parameter.
_PW_GRID = np.linspace(0.0, 1.0, 18)[1:-1]


def _directions(vectors: np.ndarray) -> np.ndarray:
    """Unit vectors, one per direction up to sign (a separating-axis test checks both senses)."""
    vectors = vectors / np.linalg.norm(vectors, axis=1)[:, None]
    first = np.argmax(np.abs(vectors) > 1e-9, axis=1)
    vectors *= np.sign(vectors[np.arange(len(vectors)), first])[:, None]
    return np.unique(np.round(vectors, 10), axis=0)


def _local_normals_and_edges(vertices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Face normals and edge directions of a polytope in its own frame, each direction once
    (edges: 3D only, the true edges, not the diagonals of the hull's triangulated faces)."""
    hull = ConvexHull(vertices)
    normals = hull.equations[:, :-1]
    if vertices.shape[1] == 2:
        return _directions(normals), np.empty((0, 2))
    edges = [vertices[s[(k + 1) % 3]] - vertices[s[(k + 2) % 3]]
             for f, (s, neighbours) in enumerate(zip(hull.simplices, hull.neighbors, strict=True))
             for k, n in enumerate(neighbours) if not np.allclose(normals[f], normals[n], atol=1e-9)]
    return _directions(normals), _directions(np.array(edges))


def _normals_and_edges(c: Candidate) -> tuple[np.ndarray, np.ndarray]:
    """Face normals and edge directions of a placed polytope (computed once per shape)."""
    if c.frame is None:
        c.frame = _local_normals_and_edges(c.vertices)
    normals, edges = c.frame
    return normals @ c.rotation.T, edges @ c.rotation.T


def _separated(va: np.ndarray, vb: np.ndarray, axes: np.ndarray, gap: float) -> bool:
    """Some unit axis separates the projections of the two vertex sets by at least ``gap``."""
    pa, pb = va @ axes.T, vb @ axes.T
    return bool((np.maximum(pb.min(axis=0) - pa.max(axis=0), pa.min(axis=0) - pb.max(axis=0)) >= gap).any())


def _polytopes_clear(a: Candidate, b: Candidate, d: np.ndarray, gap: float) -> bool:
    """Separating axes: face normals first, then (3D) the cross products of edge directions."""
    va = a.vertices @ a.rotation.T
    vb = b.vertices @ b.rotation.T + d
    (na, ea), (nb, eb) = _normals_and_edges(a), _normals_and_edges(b)
    if _separated(va, vb, np.concatenate([na, nb]), gap):
        return True
    if not (len(ea) and len(eb)):
        return False
    x, y = ea[:, None, :], eb[None, :, :]
    axes = np.stack([x[..., 1] * y[..., 2] - x[..., 2] * y[..., 1], x[..., 2] * y[..., 0] - x[..., 0] * y[..., 2],
                     x[..., 0] * y[..., 1] - x[..., 1] * y[..., 0]], axis=-1).reshape(-1, 3)
    norms = np.linalg.norm(axes, axis=1)
    keep = norms > 1e-12
    return _separated(va, vb, axes[keep] / norms[keep, None], gap)


def _clear(a: Candidate, b: Candidate, d: np.ndarray, gap: float) -> bool:
    """True when ``b`` at offset ``d`` from ``a`` keeps at least ``gap`` away from it."""
    distance = math.sqrt(d @ d)
    if distance >= a.radius + b.radius + gap:
        return True
    if a.kind == "sphere" and b.kind == "sphere" or distance < a.inner + b.inner + gap:
        return False
    if a.kind == "ellipsoid" and b.kind == "ellipsoid":
        return _ellipsoids_clear(a, b, d, gap)
    if a.kind == "polytope" and b.kind == "polytope":
        return _polytopes_clear(a, b, d, gap)
    raise ValueError(f"cannot test {a.kind} against {b.kind}")


#: Periodic shifts (-1, 0, 1)^dim of the box, by dimension.
_SHIFTS = {dim: np.array(list(itertools.product((-1, 0, 1), repeat=dim)), dtype=float) for dim in (2, 3)}


def _images(d: np.ndarray, L: np.ndarray, reach: float) -> np.ndarray:
    """Periodic images of the offset ``d`` closer than ``reach`` (one per row)."""
    images = d - L * np.round(d / L) + _SHIFTS[d.size] * L
    return images[np.einsum("ij,ij->i", images, images) < reach * reach]


def _self_clear(new: Candidate, L: np.ndarray, gap: float) -> bool:
    """The particle keeps the gap from its own periodic images."""
    return all(not image.any() or _clear(new, new, image, gap)
               for image in _images(np.zeros(L.size), L, 2 * new.radius + gap))


def _near(center: np.ndarray, radius: float, centers: np.ndarray, radii: np.ndarray, L: np.ndarray,
          gap: float) -> np.ndarray:
    """For trial centres (m, dim): which placed particles (n) their bounding spheres come within the gap of."""
    d = centers[None, :, :] - center[:, None, :]
    d -= L * np.round(d / L)
    return np.linalg.norm(d, axis=2) < radius + radii[None, :] + gap


def _fits(new: Candidate, placed: list[Candidate], neighbours: np.ndarray, L: np.ndarray, gap: float) -> bool:
    """Exact test against the placed particles whose bounding spheres are near (all periodic images)."""
    for k in np.flatnonzero(neighbours):
        other = placed[k]
        for image in _images(other.center - new.center, L, new.radius + other.radius + gap):
            if not _clear(new, other, image, gap):
                return False
    return True


#: Trial positions drawn and screened together (bounding spheres, vectorised) per RSA round.
BATCH = 64


def _relax_spheres(centers: np.ndarray, radii: np.ndarray, L: np.ndarray, gap: float, max_sweeps: int) -> np.ndarray | None:
    """Push overlapping spheres apart until every pair is at least ``gap`` apart, or give up (None)."""
    reach = 2 * radii.max() + gap
    for _ in range(max_sweeps):
        tree = cKDTree(np.mod(centers, L), boxsize=L)
        pairs = tree.query_pairs(reach, output_type="ndarray")
        if len(pairs) == 0:
            return np.mod(centers, L)
        i, j = pairs[:, 0], pairs[:, 1]
        d = centers[j] - centers[i]
        d -= L * np.round(d / L)
        distance = np.linalg.norm(d, axis=1)
        overlap = radii[i] + radii[j] + gap - distance
        bad = overlap > 0
        if not bad.any():
            return np.mod(centers, L)
        push = (0.5 * 1.02 * overlap[bad] + 1e-9 * reach)[:, None] * d[bad] / np.maximum(distance[bad], 1e-12)[:, None]
        np.add.at(centers, i[bad], -push)
        np.add.at(centers, j[bad], push)
    return None


#: Monte Carlo sweeps without 0.05 % growth after which the compression counts as jammed.
STALL_SWEEPS = 80


def _rsa(candidates: list[Candidate], L: np.ndarray, gap: float, rng: np.random.Generator,
         orientation: Callable[[], np.ndarray], attempts: int) -> list[Candidate]:
    """Random sequential addition in decreasing size; returns the particles placed before one would not fit."""
    dim = L.size
    placed: list[Candidate] = []
    centers, radii = np.empty((0, dim)), np.empty(0)
    for c in sorted(candidates, key=lambda c: -c.radius):
        found = False
        for _ in range(-(-attempts // BATCH)):
            trials = rng.uniform(0, 1, (BATCH, dim)) * L
            near = _near(trials, c.radius, centers, radii, L, gap)
            for trial, neighbours in zip(trials, near, strict=True):
                c.center, c.rotation = trial, orientation()
                if not neighbours.any() and c.kind == "sphere":
                    found = True
                elif c.kind != "sphere":
                    found = _self_clear(c, L, gap) and _fits(c, placed, neighbours, L, gap)
                if found:
                    break
            if found:
                break
        if not found:
            break
        placed.append(c)
        centers, radii = np.vstack([centers, c.center]), np.append(radii, c.radius)
    return placed


def _scaled(c: Candidate, factor: float) -> Candidate:
    """The particle grown by ``factor`` about its centre (same placement, same cached frame)."""
    return Candidate(c.kind, c.radius * factor, c.inner * factor,
                     None if c.semi_axes is None else c.semi_axes * factor,
                     None if c.vertices is None else c.vertices * factor, c.center, c.rotation, c.frame)


def _clear_of_others(k: int, particles: list[Candidate], L: np.ndarray, gap: float, only_later: bool = False) -> bool:
    """Particle ``k`` keeps the gap from its own images and from the others (or only those after it)."""
    c = particles[k]
    others = [j for j in range(k + 1 if only_later else 0, len(particles)) if j != k]
    if not _self_clear(c, L, gap):
        return False
    if not others:
        return True
    centers = np.array([particles[j].center for j in others])
    radii = np.array([particles[j].radius for j in others])
    near = _near(c.center[None, :], c.radius, centers, radii, L, gap)[0]
    return _fits(c, [particles[j] for j in others], near, L, gap)


def _compress(candidates: list[Candidate], L: np.ndarray, gap: float, rng: np.random.Generator,
              orientation: Callable[[], np.ndarray], turn: Callable[[float], np.ndarray] | None,
              sweeps: int, start: float) -> float:
    """Monte Carlo compression of non-spherical particles; returns the linear scale reached (1: done).

    The particles are first placed by RSA at the linear scale ``start`` (smaller if RSA cannot
    finish there), then every sweep moves each one by a
    random step (and turns it, when orientations are free), keeping moves that create no
    overlap, and then tries to grow all particles by a common factor. Step and growth adapt:
    the step to about a third of moves accepted, the growth by doubling on success and halving
    on failure. Gives up when the scale has not grown by 0.05 % in ``STALL_SWEEPS`` sweeps.
    """
    dim = L.size
    scale = start
    particles = [_scaled(c, scale) for c in candidates]
    while len(_rsa(particles, L, gap, rng, orientation, 2000)) < len(particles):  # shrink until RSA finishes
        scale *= 0.9
        particles = [_scaled(c, scale) for c in candidates]
    step = 0.2 * float(np.mean([c.radius for c in particles]))
    angle, growth = 0.2, 0.02
    history = [scale]
    for _ in range(sweeps):
        accepted = 0
        for k in rng.permutation(len(particles)):
            c = particles[k]
            old = c.center, c.rotation
            c.center = np.mod(c.center + rng.uniform(-step, step, dim), L)
            if turn is not None:
                c.rotation = turn(angle) @ c.rotation
            if _clear_of_others(k, particles, L, gap):
                accepted += 1
            else:
                c.center, c.rotation = old
        rate = accepted / len(particles)
        adapt = 1.1 if rate > 0.35 else 0.9
        step, angle = min(step * adapt, float(np.mean([c.radius for c in particles]))), min(angle * adapt, 0.5)
        trial_scale = min(1.0, scale * (1 + growth))
        grown = [replace(_scaled(base, trial_scale), center=p.center, rotation=p.rotation, frame=p.frame)
                 for base, p in zip(candidates, particles, strict=True)]
        if all(_clear_of_others(k, grown, L, gap, only_later=True) for k in range(len(grown))):
            particles, scale, growth = grown, trial_scale, min(2 * growth, 0.05)
        else:
            growth = max(0.5 * growth, 2e-4)
        if scale == 1.0:
            break
        history.append(scale)
        if len(history) > STALL_SWEEPS and scale < history[-STALL_SWEEPS - 1] * 1.0005:
            break
    for c, p in zip(candidates, particles, strict=True):
        c.center, c.rotation = p.center, p.rotation
    return scale


def pack(
    candidates: list[Candidate],
    lengths: tuple[float, ...],
    gap: float,
    rng: np.random.Generator,
    random_orientation: bool,
    attempts: int = 20000,
    max_sweeps: int = 20000,
) -> list[Candidate]:
    """Place ``candidates`` (sizes set) without overlaps in the periodic box.

    Parameters
    ----------
    candidates : list of Candidate
        Particles with kind and size, all of one kind; placed in decreasing size.
    lengths : tuple of float
        Box lengths (nm).
    gap : float
        Minimum distance between particles and to periodic images (nm).
    rng : numpy.random.Generator
    random_orientation : bool
        Draw a uniform random rotation for each non-spherical particle (else identity).
    attempts : int
        RSA trials per particle (screened ``BATCH`` at a time by bounding spheres, vectorised);
        non-spherical particles get at most 2000 before the Monte Carlo compression takes over.
    max_sweeps : int
        Rearrangement sweeps (spheres) before giving up; the compression of non-spherical
        particles gets a tenth of them.

    Returns
    -------
    list of Candidate
        The candidates with ``center`` and ``rotation`` set.

    Raises
    ------
    JammingError
        Stating the volume fraction reached.
    """
    from scipy.spatial.transform import Rotation

    L = np.asarray(lengths, dtype=float)
    dim = L.size
    spheres = all(c.kind == "sphere" for c in candidates)
    free = random_orientation and not spheres

    def orientation() -> np.ndarray:
        if not free:
            return np.eye(dim)
        if dim == 3:
            return Rotation.random(random_state=rng).as_matrix()
        return Rotation.from_euler("z", rng.uniform(0, 360), degrees=True).as_matrix()[:2, :2]

    def turn(angle: float) -> np.ndarray:
        if dim == 3:
            return Rotation.from_rotvec(rng.uniform(-angle, angle, 3)).as_matrix()
        return Rotation.from_euler("z", rng.uniform(-angle, angle)).as_matrix()[:2, :2]

    placed = _rsa(candidates, L, gap, rng, orientation, attempts if spheres else min(attempts, 2000))
    if len(placed) == len(candidates):
        return candidates
    volume = np.prod(L)
    target = sum(_volume(c) for c in candidates) / volume
    reached = sum(_volume(c) for c in placed) / volume
    if spheres:
        radii = np.array([c.radius for c in candidates])
        placed_ids = {id(c) for c in placed}
        start = np.array([c.center if id(c) in placed_ids else rng.uniform(0, 1, dim) * L for c in candidates])
        centers = _relax_spheres(start, radii, L, gap, max_sweeps)
        if centers is not None:
            for c, x in zip(candidates, centers, strict=True):
                c.center, c.rotation = x, np.eye(dim)
            return candidates
        how = (f"random sequential addition placed {len(placed)} of {len(candidates)} particles, a volume "
               f"fraction of {reached:.4f} of the target {target:.4f}; collective rearrangement could not "
               "remove the overlaps either")
    else:
        scale = _compress(candidates, L, gap, rng, orientation, turn if free else None, max_sweeps // 10,
                          start=(0.9 * reached / target) ** (1 / dim))
        if scale == 1.0:
            return candidates
        how = (f"Monte Carlo compression stalled at {scale:.4f} of the particles' linear size, a volume fraction "
               f"of {target * scale**dim:.4f} of the target {target:.4f}")
    raise JammingError(f"the packing jammed: {how}. Lower the volume fraction or the gap")


def _volume(c: Candidate) -> float:
    dim = c.center.size if c.center is not None else (c.semi_axes.size if c.semi_axes is not None else 3)
    if c.kind == "sphere":
        return np.pi * c.radius**2 if dim == 2 else 4 / 3 * np.pi * c.radius**3
    if c.kind == "ellipsoid":
        return (np.pi if dim == 2 else 4 / 3 * np.pi) * float(np.prod(c.semi_axes))
    return float(ConvexHull(c.vertices).volume)
