"""Floating phases: a phase meshed apart from the rest is found and named before any solve.

The floating RVE is a periodic matrix box with an inclusion box drawn inside it but not
fragmented with it, so gmsh meshes the two with no shared node (a failed boolean): its six
rigid-body modes are free, and the operator is singular beyond its known null space.
"""

import gmsh
import numpy as np
import pytest
from mpi4py import MPI

import meshing.fenicsx  # noqa: F401
from dolfinx import fem

from meshing import Box, MeshSettings, inclusions
from meshing.distribute import distribute_model
from meshing.rve import RVE
from solvers.analyses.stiffness import effective_stiffness
from solvers.fe.connectivity import FloatingPhaseError, pieces
from solvers.fe.linear_solver import SolverOptions
from solvers.fe.periodic import periodic_space
from solvers.micromechanics.materials import isotropic


def _floating_model():
    gmsh.model.add("floating")
    occ = gmsh.model.occ
    matrix = occ.addBox(0, 0, 0, 1, 1, 1)
    inclusion = occ.addBox(0.35, 0.35, 0.35, 0.3, 0.3, 0.3)
    occ.synchronize()
    faces = {tuple(np.round(occ.getCenterOfMass(2, t), 6)): t for _, t in gmsh.model.getBoundary([(3, matrix)], oriented=False)}
    for axis in range(3):
        low = next(t for c, t in faces.items() if abs(c[axis]) < 1e-9)
        high = next(t for c, t in faces.items() if abs(c[axis] - 1) < 1e-9)
        affine = [1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0]
        affine[4 * axis + 3] = 1.0
        gmsh.model.mesh.setPeriodic(2, [high], [low], affine)
    gmsh.model.addPhysicalGroup(3, [matrix], tag=1, name="matrix")
    gmsh.model.addPhysicalGroup(3, [inclusion], tag=2, name="inclusion")
    gmsh.option.setNumber("Mesh.MeshSizeMax", 0.25)
    gmsh.model.mesh.generate(3)
    return {matrix: 1, inclusion: 2}


def _floating_rve(comm):
    model = distribute_model(_floating_model, lambda regions: regions, 3, comm)
    return RVE(mesh=model.mesh, cell_tags=model.tags_from_regions(model.info), facet_tags=model.facet_tags,
               phases={"matrix": 1, "inclusion": 2}, box=Box((1.0, 1.0, 1.0)),
               volume_fractions={"matrix": 1.0, "inclusion": 0.027}, geometric_volume_fractions={})


MATERIALS = {"matrix": isotropic(3.0, 0.35, 1.2), "inclusion": isotropic(70.0, 0.2, 2.5)}


@pytest.mark.parametrize("method", ["cg-gamg", "mumps"])
@pytest.mark.parametrize("bc", ["periodic", "kubc", "subc"])
def test_a_floating_phase_is_named_before_any_solve(bc, method):
    rve = _floating_rve(MPI.COMM_SELF)
    with pytest.raises(FloatingPhaseError, match=r"phase\(s\) \['inclusion'\] float") as info:
        effective_stiffness(rve, MATERIALS, bc=bc, solver=SolverOptions(method=method))
    assert "0.5, 0.5, 0.5" in str(info.value)  # where it is


def test_a_conforming_rve_is_one_piece_and_the_floating_one_two():
    conforming = inclusions(0.2, (1.0, 1.0, 1.0), MeshSettings(size=0.2), center=(0.1, 0.9, 0.5), comm=MPI.COMM_SELF)
    V = fem.functionspace(conforming.mesh, ("Lagrange", 1, (3,)))
    found = pieces(conforming, periodic_space(V, conforming.box).space)
    assert len(found) == 1
    assert found[0].volume == pytest.approx(1.0, rel=1e-9)
    floating = _floating_rve(MPI.COMM_SELF)
    found = pieces(floating, fem.functionspace(floating.mesh, ("Lagrange", 1, (3,))))
    assert len(found) == 2
    assert set(found[1].phase_volumes) == {"inclusion"}
    assert found[1].volume == pytest.approx(0.3**3, rel=1e-9)
    assert np.allclose(found[1].centroid, 0.5, atol=1e-9)


def _cross_and_island(comm):
    """A unit square (40 x 40 cells) with marked cells in a cross (the strips 0.2 < y < 0.3 and
    0.2 < x < 0.3, each across the whole square) and an island (0.6 < y < 0.7, x > 0.5), and one
    seed node at (0, 0.25) on the cross: the nodes joined to it, and the cross's nodes."""
    from dolfinx import mesh as dmesh

    from solvers.fe.connectivity import connected_nodes

    square = dmesh.create_unit_square(comm, 40, 40)
    V = fem.functionspace(square, ("Lagrange", 1))
    x = V.tabulate_dof_coordinates()
    c = x[V.dofmap.list].mean(axis=1)
    marked = ((c[:, 1] > 0.2) & (c[:, 1] < 0.3)) | ((c[:, 0] > 0.2) & (c[:, 0] < 0.3)) | (
        (c[:, 1] > 0.6) & (c[:, 1] < 0.7) & (c[:, 0] > 0.5))
    seeds = np.flatnonzero(np.isclose(x[:, 0], 0.0) & np.isclose(x[:, 1], 0.25))
    joined = connected_nodes(V, marked, seeds)
    band = (0.2 - 1e-9 <= x[:, :2]) & (x[:, :2] <= 0.3 + 1e-9)
    return joined, band.any(axis=1)


def test_connected_nodes_are_those_of_the_marked_cells_joined_to_a_seed():
    # The island is marked too, but nothing joins it to the seed: only the cross counts.
    joined, cross = _cross_and_island(MPI.COMM_SELF)
    assert joined.any() and np.array_equal(joined, cross)


@pytest.mark.mpi
@pytest.mark.skipif(MPI.COMM_WORLD.size < 2, reason="needs mpirun -n 2 (or more)")
def test_connected_nodes_on_two_ranks_reach_across_the_partition():
    # The seed lives on one rank; the cross spans the square both ways, so every rank holds part
    # of it, and each finds its part joined to the other rank's seed.
    joined, cross = _cross_and_island(MPI.COMM_WORLD)
    ok = MPI.COMM_WORLD.allreduce(int(np.array_equal(joined, cross)), op=MPI.MIN)
    holding = MPI.COMM_WORLD.allreduce(int(joined.any()), op=MPI.SUM)
    assert ok == 1 and holding == MPI.COMM_WORLD.size
