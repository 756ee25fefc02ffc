"""Random packings of non-overlapping particles in a periodic box (pure NumPy/SciPy).

Random sequential addition (RSA) places particles one by one (largest first) at random
positions and, for non-spherical particles, random or aligned orientations, refusing any
position closer than ``gap`` to a placed particle or to a periodic image of one. Monodisperse
RSA jams near 38 vol% (spheres); for spheres and discs that RSA cannot finish, a collective
rearrangement pushes overlapping pairs apart until no two are closer than the gap, which reaches
well beyond 45 vol%. Overlap tests: exact for spheres, Perram-Wertheim for ellipsoids, separating
axes for convex polyhedra/polygons. Units: nm.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

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

    def negative_F(lam: float) -> float:
        return -lam * (1 - lam) * d @ np.linalg.solve((1 - lam) * A + lam * B, d)

    best = minimize_scalar(negative_F, bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-10})
    return -best.fun >= 1.0


def _local_normals_and_edges(vertices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Face normals and edge directions of a polytope in its own frame (edges: 3D only)."""
    hull = ConvexHull(vertices)
    normals = np.unique(np.round(hull.equations[:, :-1], 10), axis=0)
    if vertices.shape[1] == 2:
        return normals, np.empty((0, 2))
    edges = {tuple(np.round(vertices[e[1]] - vertices[e[0]], 10))
             for s in hull.simplices for e in (s[[0, 1]], s[[1, 2]], s[[2, 0]])}
    return normals, np.array(sorted(edges))


def _normals_and_edges(c: Candidate) -> tuple[np.ndarray, np.ndarray]:
    """Face normals and edge directions of a placed polytope (computed once per shape)."""
    if c.frame is None:
        c.frame = _local_normals_and_edges(c.vertices)
    normals, edges = c.frame
    return normals @ c.rotation.T, edges @ c.rotation.T


def _polytopes_clear(a: Candidate, b: Candidate, d: np.ndarray, gap: float) -> bool:
    """Separating axes: some axis separates the projections by at least ``gap``."""
    va = a.vertices @ a.rotation.T
    vb = b.vertices @ b.rotation.T + d
    (na, ea), (nb, eb) = _normals_and_edges(a), _normals_and_edges(b)
    axes = [na, nb]
    if len(ea) and len(eb):
        axes.append(np.cross(ea[:, None, :], eb[None, :, :]).reshape(-1, 3))
    axes = np.concatenate(axes)
    norms = np.linalg.norm(axes, axis=1)
    axes = axes[norms > 1e-12] / norms[norms > 1e-12, None]
    pa, pb = va @ axes.T, vb @ axes.T
    separation = np.maximum(pb.min(axis=0) - pa.max(axis=0), pa.min(axis=0) - pb.max(axis=0))
    return bool((separation >= gap).any())


def _clear(a: Candidate, b: Candidate, d: np.ndarray, gap: float) -> bool:
    """True when ``b`` at offset ``d`` from ``a`` keeps at least ``gap`` away from it."""
    distance = np.linalg.norm(d)
    if distance >= a.radius + b.radius + gap:
        return True
    if a.kind == "sphere" and b.kind == "sphere":
        return False
    if a.kind == "ellipsoid" and b.kind == "ellipsoid":
        return _ellipsoids_clear(a, b, d, gap)
    if a.kind == "polytope" and b.kind == "polytope":
        return _polytopes_clear(a, b, d, gap)
    raise ValueError(f"cannot test {a.kind} against {b.kind}")


def _images(d: np.ndarray, L: np.ndarray, reach: float) -> list[np.ndarray]:
    """Periodic images of the offset ``d`` closer than ``reach``."""
    d = d - L * np.round(d / L)
    out = []
    for shift in itertools.product((-1, 0, 1), repeat=d.size):
        image = d + np.array(shift) * L
        if np.linalg.norm(image) < reach:
            out.append(image)
    return out


def _self_clear(new: Candidate, L: np.ndarray, gap: float) -> bool:
    """The particle keeps the gap from its own periodic images."""
    return all(np.linalg.norm(image) == 0 or _clear(new, new, image, gap)
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
        Particles with kind and size; placed in decreasing size.
    lengths : tuple of float
        Box lengths (nm).
    gap : float
        Minimum distance between particles and to periodic images (nm).
    rng : numpy.random.Generator
    random_orientation : bool
        Draw a uniform random rotation for each non-spherical particle (else identity).
    attempts : int
        RSA trials per particle (screened ``BATCH`` at a time by bounding spheres, vectorised).
    max_sweeps : int
        Rearrangement sweeps (spheres) before giving up.

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
    order = sorted(range(len(candidates)), key=lambda k: -candidates[k].radius)
    placed: list[Candidate] = []
    centers, radii = np.empty((0, dim)), np.empty(0)

    def orientation() -> np.ndarray:
        if not random_orientation or candidates[0].kind == "sphere":
            return np.eye(dim)
        if dim == 3:
            return Rotation.random(random_state=rng).as_matrix()
        return Rotation.from_euler("z", rng.uniform(0, 360), degrees=True).as_matrix()[:2, :2]

    for k in order:
        c = candidates[k]
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
    if len(placed) == len(candidates):
        return candidates
    volume = np.prod(L)
    reached = sum(_volume(c) for c in placed) / volume
    target = sum(_volume(c) for c in candidates) / volume
    if all(c.kind == "sphere" for c in candidates):
        radii = np.array([c.radius for c in candidates])
        placed_ids = {id(c) for c in placed}
        start = np.array([c.center if id(c) in placed_ids else rng.uniform(0, 1, dim) * L for c in candidates])
        centers = _relax_spheres(start, radii, L, gap, max_sweeps)
        if centers is not None:
            for c, x in zip(candidates, centers, strict=True):
                c.center, c.rotation = x, np.eye(dim)
            return candidates
    raise JammingError(
        f"the packing jammed: random sequential addition placed {len(placed)} of {len(candidates)} particles, "
        f"a volume fraction of {reached:.4f} of the target {target:.4f}"
        + ("; collective rearrangement could not remove the overlaps either" if all(c.kind == "sphere" for c in candidates) else "")
        + ". Lower the volume fraction or the gap, or use spheres"
    )


def _volume(c: Candidate) -> float:
    dim = c.center.size if c.center is not None else (c.semi_axes.size if c.semi_axes is not None else 3)
    if c.kind == "sphere":
        return np.pi * c.radius**2 if dim == 2 else 4 / 3 * np.pi * c.radius**3
    if c.kind == "ellipsoid":
        return (np.pi if dim == 2 else 4 / 3 * np.pi) * float(np.prod(c.semi_axes))
    return float(ConvexHull(c.vertices).volume)
