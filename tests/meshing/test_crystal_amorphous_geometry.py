"""Core-shell particles, polycrystals with amorphous films and bionic-leaf vein networks:
exact phase fractions, periodic meshes, resolved films, determinism and refusals."""

import itertools
import math

import numpy as np
import pytest
from mpi4py import MPI
from scipy.spatial import ConvexHull

from meshing import MeshSettings, bionic_leaf_geometry, core_shell_geometry, particles_geometry, polycrystal_geometry
from meshing.rve import build_rve
from meshing.shapes import Ball

from tests.meshing.test_rve import _face_points


def _assert_periodic(rve):
    for axis, length in enumerate(rve.box.lengths):
        low, high = _face_points(rve, axis, 0.0), _face_points(rve, axis, length)
        assert len(low) > 10
        assert low == high


def _shell_fraction(geometry, layers=2):
    """Exact shell volume fraction from the radii of the concentric balls."""
    balls = [s for s in geometry.shapes if isinstance(s, Ball)]
    radii = [b.radius for b in balls]
    per_particle = [radii[k:k + layers] for k in range(0, len(radii), layers)]
    return sum(4 / 3 * math.pi * (r[0] ** 3 - r[1] ** 3) for r in per_particle) / geometry.box.volume


def test_zero_shell_thickness_is_the_plain_particle_geometry():
    plain = particles_geometry(6, 0.2, (20.0, 20.0, 20.0), seed=5, particle_phase="core")
    coated = core_shell_geometry(6, 0.2, (20.0, 20.0, 20.0), shell_thickness=0.0, seed=5)
    assert coated == plain


def test_shells_keep_the_particle_positions_and_the_whole_particle_fraction():
    plain = particles_geometry(6, 0.2, (20.0, 20.0, 20.0), seed=5)
    coated = core_shell_geometry(6, 0.2, (20.0, 20.0, 20.0), shell_thickness=0.8, seed=5)
    outer = coated.shapes[0::2]
    assert [b.center for b in outer] == [b.center for b in plain.shapes]
    assert [b.radius for b in outer] == pytest.approx([b.radius for b in plain.shapes])
    assert [s.phase for s in coated.shapes[:2]] == ["shell", "core"]


def test_core_shell_mesh_is_periodic_with_the_exact_shell_fraction():
    geometry = core_shell_geometry(4, 0.25, (12.0, 12.0, 12.0), shell_thickness=0.9, seed=2)
    rve = build_rve(geometry, MeshSettings(size=1.0, phase_size={"shell": 0.3}), comm=MPI.COMM_SELF)
    assert rve.geometric_volume_fractions["shell"] == pytest.approx(_shell_fraction(geometry), rel=1e-6)
    assert rve.geometric_volume_fractions["shell"] + rve.geometric_volume_fractions["core"] == pytest.approx(0.25, rel=1e-3)
    _assert_periodic(rve)


def test_hollow_multishell_particles_alternate_phases_and_end_in_matrix():
    geometry = core_shell_geometry(3, 0.3, (30.0, 30.0), shell_thickness=1.0, shells=3, hollow=True, seed=1)
    phases = [s.phase for s in geometry.shapes[:4]]
    assert phases == ["shell", "core", "shell", "matrix"]
    radii = [s.radius for s in geometry.shapes[:4]]
    assert np.allclose(np.diff(radii), -1.0)
    rve = build_rve(geometry, MeshSettings(size=1.0, phase_size={"shell": 0.33, "core": 0.33}), comm=MPI.COMM_SELF)
    areas = [math.pi * (r**2 - (r - 1.0) ** 2) for r in (s.radius for s in geometry.shapes)]
    shell_area = sum(a for a, s in zip(areas, geometry.shapes, strict=True) if s.phase == "shell")
    assert rve.geometric_volume_fractions["shell"] == pytest.approx(shell_area / 900.0, rel=1e-6)
    _assert_periodic(rve)


@pytest.mark.parametrize("shape", ["cube", "octahedron"])
def test_polytope_shells_are_exactly_as_thick_as_asked_on_every_face(shape):
    plain = particles_geometry(5, 0.25, (20.0, 20.0, 20.0), shape=shape, seed=3)
    coated = core_shell_geometry(5, 0.25, (20.0, 20.0, 20.0), shell_thickness=0.7, shells=2, shape=shape, seed=3)
    assert [s.phase for s in coated.shapes[:3]] == ["shell", "core", "shell"]
    for k, particle in enumerate(plain.shapes):
        layers = coated.shapes[3 * k:3 * k + 3]
        assert np.allclose(layers[0].vertices, particle.vertices)
        for depth, layer in zip((0.7, 1.4), layers[1:], strict=True):
            # Every face of the layer is a face of the particle moved inward by the depth.
            outer, inner = particle.halfspaces, layer.halfspaces
            assert len(outer) == len(inner)
            for plane in inner:
                match = outer[np.argmin(np.linalg.norm(outer[:, :3] - plane[:3], axis=1))]
                assert np.allclose(match[:3], plane[:3], atol=1e-10)
                assert plane[3] - match[3] == pytest.approx(depth, rel=1e-9)


def test_spheroid_shells_resolve_their_thinnest_point_and_keep_the_volumes():
    # Semi-axes reduced by t: the shell is t thick at the poles and the equator and thinner in
    # between (0.9294 t for these particles), found here by an independent minimisation.
    from scipy.optimize import minimize

    coated = core_shell_geometry(4, 0.2, (20.0, 20.0, 20.0), shell_thickness=1.0, shape="ellipsoid",
                                 aspect_ratio=2.0, seed=3)
    outer, inner = coated.shapes[0], coated.shapes[1]
    a, b = max(outer.semi_axes), min(outer.semi_axes)
    assert inner.volume() == pytest.approx(4 / 3 * math.pi * (a - 1) * (b - 1) ** 2, rel=1e-12)

    def gap(angles):
        p = np.array([(a - 1) * np.cos(angles[0]), (b - 1) * np.sin(angles[0])])
        q = np.array([a * np.cos(angles[1]), b * np.sin(angles[1])])
        return np.linalg.norm(p - q)

    thinnest = min(minimize(gap, [x, x], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12}).fun
                   for x in np.linspace(0.05, 1.5, 12))
    (feature,) = coated.thin_features
    assert feature.thickness == pytest.approx(thinnest, rel=1e-6)
    assert feature.thickness < 0.95
    with pytest.raises(ValueError, match="shell 1 of each particle"):
        build_rve(coated, MeshSettings(size=1.5, phase_size={"shell": 1.0 / 3}), comm=MPI.COMM_SELF)


def test_2d_square_and_ellipse_core_shells_mesh_periodically_with_the_exact_shell_fraction():
    for shape, inner_area in (("cube", lambda s: (np.sqrt(s.area()) - 2.0) ** 2),
                              ("ellipsoid", lambda s: math.pi * (s.semi_axes[0] - 1) * (s.semi_axes[1] - 1))):
        geometry = core_shell_geometry(5, 0.35, (30.0, 30.0), shell_thickness=1.0, shape=shape, aspect_ratio=1.5, seed=4)
        outer = geometry.shapes[0::2]
        whole = sum(s.area() if shape == "cube" else math.pi * np.prod(s.semi_axes) for s in outer)
        cores = sum(inner_area(s) for s in outer)
        rve = build_rve(geometry, MeshSettings(size=1.0, phase_size={"shell": 0.3}), comm=MPI.COMM_SELF)
        assert rve.geometric_volume_fractions["shell"] == pytest.approx((whole - cores) / 900.0, rel=1e-6)
        _assert_periodic(rve)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [(dict(shell_thickness=-1.0), "shell_thickness=-1.0"), (dict(shells=7), "shells=7"),
     (dict(shell_thickness=5.0, shells=2), "do not fit in the smallest particle")],
)
def test_bad_core_shell_input_is_refused(kwargs, message):
    arguments = dict(count=4, volume_fraction=0.2, box=(20.0, 20.0, 20.0), shell_thickness=1.0) | kwargs
    with pytest.raises(ValueError, match=message):
        core_shell_geometry(**arguments)


def test_plain_polycrystal_grains_tile_the_box_and_are_deterministic():
    first = polycrystal_geometry(12, (10.0, 10.0, 10.0), seed=3)
    assert sum(s.volume() for s in first.shapes) == pytest.approx(1000.0, rel=1e-9)
    assert first.matrix_phase is None
    again = polycrystal_geometry(12, (10.0, 10.0, 10.0), seed=3)
    assert [s.crystal_euler for s in again.shapes] == [s.crystal_euler for s in first.shapes]
    assert np.array_equal(again.shapes[0].vertices, first.shapes[0].vertices)
    other = polycrystal_geometry(12, (10.0, 10.0, 10.0), seed=4)
    assert other.shapes[0].crystal_euler != first.shapes[0].crystal_euler


def test_film_fraction_matches_the_shrunk_grains_and_the_film_is_resolved():
    thickness = 1.2
    geometry = polycrystal_geometry(6, (12.0, 12.0, 12.0), film_thickness=thickness, seed=1)
    film = 1 - sum(s.volume() for s in geometry.shapes) / geometry.box.volume
    rve = build_rve(geometry, MeshSettings(size=1.3, phase_size={"film": thickness / 3}), comm=MPI.COMM_SELF)
    assert rve.geometric_volume_fractions["film"] == pytest.approx(film, rel=1e-6)
    # At least two elements through the film: no film cell touches two grains (the grains are a
    # film thickness apart, so such a cell would span the film alone). With the film meshed at
    # its own thickness instead, 4119 of 5786 film cells do (measured).
    assert _cells_bridging_grains(rve, geometry, "film") == 0
    _assert_periodic(rve)
    orientations = rve.cell_orientations
    assert np.isnan(orientations[rve.cell_tags.find(rve.phases["film"])]).all()
    assert not np.isnan(orientations[rve.cell_tags.find(rve.phases["grain"])]).any()


def _cells_bridging_grains(rve, geometry, phase):
    """Cells of ``phase`` with vertices on two different grains (or periodic images of them)."""
    x = rve.mesh.geometry.x
    cells = rve.mesh.geometry.dofmaps[0][rve.cell_tags.find(rve.phases[phase])]
    nodes = np.unique(cells)
    grain_of = np.full(x.shape[0], -1)
    lengths = np.array(geometry.box.lengths)
    for k, grain in enumerate(geometry.shapes):
        planes = ConvexHull(grain.vertices).equations
        for shift in itertools.product((-1, 0, 1), repeat=3):
            points = x[nodes] - np.array(shift) * lengths
            on_grain = (points @ planes[:, :3].T + planes[:, 3]).max(axis=1) <= 1e-6
            grain_of[nodes[on_grain]] = k
    touched = grain_of[cells]
    return sum(len(set(row[row >= 0])) >= 2 for row in touched)


def test_a_film_too_coarsely_meshed_is_refused_before_meshing():
    geometry = polycrystal_geometry(6, (12.0, 12.0, 12.0), film_thickness=1.2, seed=1)
    with pytest.raises(ValueError, match=r"intergranular film \(phase 'film'\).*mesh.phase_size.film = 0.4"):
        build_rve(geometry, MeshSettings(size=1.3), comm=MPI.COMM_SELF)


def test_2d_polycrystal_with_films_meshes_periodically():
    geometry = polycrystal_geometry(10, (20.0, 20.0), film_thickness=0.6, seed=0)
    rve = build_rve(geometry, MeshSettings(size=1.0, phase_size={"film": 0.2}), comm=MPI.COMM_SELF)
    film = 1 - sum(s.volume() for s in geometry.shapes) / geometry.box.volume
    assert rve.geometric_volume_fractions["film"] == pytest.approx(film, rel=1e-6)
    _assert_periodic(rve)


def test_a_film_thicker_than_a_grain_is_refused():
    with pytest.raises(ValueError, match="too small for a film"):
        polycrystal_geometry(20, (10.0, 10.0, 10.0), film_thickness=6.0, seed=0)


def test_hexagonal_leaf_vein_fraction_is_the_closed_form():
    # Cells shrink from across-flats s to s - w, so the sheet keeps ((s - w)/s)^2 of the area.
    s, w = 20.0, 2.0
    geometry = bionic_leaf_geometry(w, s)
    rve = build_rve(geometry, MeshSettings(size=2.0, phase_size={"vein": w / 3}), comm=MPI.COMM_SELF)
    assert rve.geometric_volume_fractions["vein"] == pytest.approx(1 - ((s - w) / s) ** 2, rel=1e-9)
    _assert_periodic(rve)


@pytest.mark.parametrize("thickness", [None, 4.0])
def test_random_leaf_network_meshes_periodically_in_2d_and_as_a_thin_sheet(thickness):
    geometry = bionic_leaf_geometry(2.0, 20.0, network="voronoi", cells=6, seed=3, sheet_thickness=thickness)
    rve = build_rve(geometry, MeshSettings(size=2.0, phase_size={"vein": 0.66}), comm=MPI.COMM_SELF)
    sheet = sum(s.volume() for s in geometry.shapes) / geometry.box.volume
    if thickness is not None:
        sheet *= geometry.box.lengths[2] / (1.2 * thickness)  # the prisms reach 10 % beyond both faces
    assert rve.geometric_volume_fractions["sheet"] == pytest.approx(sheet, rel=1e-6)
    _assert_periodic(rve)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [(dict(vein_width=8.0), "too wide"), (dict(network="fractal"), "network='fractal'"),
     (dict(vein_width=-1.0), "vein_width"), (dict(network="voronoi", cells=1), "cells=1")],
)
def test_bad_leaf_input_is_refused(kwargs, message):
    arguments = dict(vein_width=2.0, vein_spacing=20.0) | kwargs
    with pytest.raises(ValueError, match=message):
        bionic_leaf_geometry(**arguments)


def test_every_cell_takes_the_lattice_of_the_region_it_was_meshed_in():
    # Coarse facets: matrix cells lie between a faceted sphere and its true surface, where a
    # lattice looked up by the cell centroid is wrongly the particle's (6 of 11881 matrix cells
    # here). The region a cell was meshed in decides.
    dim = 3
    geometry = particles_geometry(6, 0.25, (1.0, 1.0, 1.0), lattice="random", seed=3)
    rve = build_rve(geometry, MeshSettings(size=0.07, curvature_elements=6), comm=MPI.COMM_SELF)
    imap = rve.mesh.topology.index_map(dim)
    tags = np.zeros(imap.size_local + imap.num_ghosts, dtype=np.int32)
    tags[rve.cell_tags.indices] = rve.cell_tags.values
    oriented = ~np.isnan(rve.cell_orientations[:, 0])
    assert np.array_equal(oriented, tags == rve.phases["particle"])
    lattices = {tuple(np.round(s.crystal_euler, 9)) for s in geometry.shapes}
    assert {tuple(np.round(e, 9)) for e in rve.cell_orientations[oriented]} <= lattices
