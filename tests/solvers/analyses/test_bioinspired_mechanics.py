"""Nacre, enamel and staggered films against exact limits, closed-form models and bounds.

Units: nm, GPa. The isotropic phases are chosen so that the closed forms of REFERENCES.md apply.
"""

import numpy as np
import pytest
from mpi4py import MPI

from meshing import MeshSettings, enamel_geometry, nacre_geometry, staggered_laminate_geometry
from meshing.nacre import mineral_fraction
from meshing.rve import build_rve
from solvers.micromechanics.bounds import laminate_stiffness
from solvers.analyses.stiffness import effective_stiffness
from solvers.fe.linear_solver import SolverOptions
from solvers.micromechanics.material_library import library_material
from solvers.micromechanics.materials import bulk_shear_from_E_nu, isotropic
from solvers.micromechanics.voigt import plane_strain

TIGHT = SolverOptions(rtol=1e-10)
MINERAL = isotropic(100.0, 0.25, 2.9, name="mineral")
PROTEIN = isotropic(0.5, 0.4, 1.3, name="protein")  # G_p / E_m = 1.8e-3: a soft interlayer


def _nacre(geometry, size, materials, **kwargs):
    t = min(f.thickness for f in geometry.thin_features)
    sizes = {"interlayer": t / 3, "bridge": min([s.min_thickness() for s in geometry.shapes if s.phase == "bridge"], default=t) / 3}
    rve = build_rve(geometry, MeshSettings(size=size, phase_size=sizes), MPI.COMM_SELF)
    return rve, effective_stiffness(rve, {p: materials[p] for p in rve.phases}, **kwargs)

# ---------------------------------------------------------------------------------------- nacre


def test_nacre_with_tablet_material_in_the_interlayer_is_the_homogeneous_tablet():
    crystal = library_material("aragonite", euler_deg=[0.0, 90.0, 0.0])
    geometry = nacre_geometry(5.0, 1.0, interlayer_thickness=0.1, bridges_per_face=2, bridge_diameter=0.2)
    _, result = _nacre(geometry, 0.25, {"tablet": crystal, "interlayer": crystal, "bridge": crystal}, solver=TIGHT)
    exact = plane_strain(crystal.stiffness)
    assert np.abs(result.C - exact).max() / np.abs(exact).max() < 1e-8


def test_nacre_approaches_the_tablet_as_the_interlayer_stiffens():
    geometry = nacre_geometry(5.0, 1.0, interlayer_thickness=0.1)
    errors = []
    for E_p in (1.0, 10.0, 50.0, 90.0):
        interlayer = isotropic(E_p, 0.25, 1.3)
        _, result = _nacre(geometry, 0.25, {"tablet": MINERAL, "interlayer": interlayer})
        errors.append(np.abs(result.C - plane_strain(MINERAL.stiffness)).max())
    assert all(b < a for a, b in zip(errors, errors[1:], strict=False))
    assert errors[-1] < 0.05 * errors[0]


def test_stiffness_along_tablets_falls_monotonically_as_the_overlap_goes_to_zero():
    moduli = []
    for overlap in (0.5, 0.35, 0.2, 0.1, 0.0):
        geometry = nacre_geometry(20.0, 1.0, overlap_ratio=overlap, interlayer_thickness=0.05)
        moduli.append(_nacre(geometry, 0.25, {"tablet": MINERAL, "interlayer": PROTEIN})[1].engineering["E1"])
    assert all(b < a for a, b in zip(moduli, moduli[1:], strict=False)), moduli


def _ji_gao(phi, rho, G_p, E_m):
    """Tension-shear chain (REFERENCES.md): 1/E = 4 (1 - phi) / (G_p phi^2 rho^2) + 1 / (phi E_m)."""
    return 1 / (4 * (1 - phi) / (G_p * phi**2 * rho**2) + 1 / (phi * E_m))


def test_long_tablets_in_a_soft_interlayer_approach_the_ji_gao_chain_within_the_voigt_reuss_bounds():
    # In plane strain the tablets' axial modulus is E_m / (1 - nu_m^2) and E1 is the plane-strain
    # modulus. Short tablets are stiffer than the tension-shear chain, because the head joints
    # also carry tension; the ratio FE / Ji-Gao falls with the aspect ratio rho (measured 1.700,
    # 1.124, 0.994 at rho = 10, 20, 40; 0.978 at 80). The model is an approximation, so the
    # assertions are the rigorous Voigt/Reuss bounds and the trend, not a margin around it.
    G_p = PROTEIN.bulk_shear[1]
    E_m = MINERAL.E / (1 - MINERAL.nu**2)
    ratios = []
    for rho in (10, 20, 40):
        geometry = nacre_geometry(float(rho), 1.0, interlayer_thickness=0.05)
        _, result = _nacre(geometry, 0.25, {"tablet": MINERAL, "interlayer": PROTEIN})
        E1 = result.engineering["E1"]
        assert 1 / np.linalg.inv(result.reuss)[0, 0] < E1 < 1 / np.linalg.inv(result.voigt)[0, 0]
        ratios.append(E1 / _ji_gao(mineral_fraction(geometry), rho, G_p, E_m))
    assert ratios[0] > ratios[1] > ratios[2]

# --------------------------------------------------------------------------------------- enamel

FIBRE = isotropic(114.0, 0.28, 3.16, name="fibre")
MATRIX = isotropic(3.0, 0.4, 1.2, name="matrix")


def _hashin(c_f):
    """Hashin's composite-cylinder axial modulus and transverse plane-strain bulk bounds (REFERENCES.md)."""
    K_f, G_f = bulk_shear_from_E_nu(FIBRE.E, FIBRE.nu)
    K_m, G_m = bulk_shear_from_E_nu(MATRIX.E, MATRIX.nu)
    k_f, k_m, c_m = K_f + G_f / 3, K_m + G_m / 3, 1 - c_f
    E_L = c_f * FIBRE.E + c_m * MATRIX.E + 4 * c_f * c_m * (FIBRE.nu - MATRIX.nu) ** 2 / (c_f / k_m + c_m / k_f + 1 / G_m)
    k_lower = k_m + c_f / (1 / (k_f - k_m) + c_m / (k_m + G_m))
    k_upper = k_f + c_m / (1 / (k_m - k_f) + c_f / (k_f + G_f))
    return E_L, k_lower, k_upper


# Both the plain and the coated arrays facet the wire circle into ~95 segments (a 2/3 nm
# coating mesh on a 20 nm wire), so that they differ by the coating alone. The wires are
# prismatic, so a 2 nm tall cell gives the same stiffness as any other.
WIRE_MESH = MeshSettings(size=1.5, curvature_elements=95)


@pytest.fixture(scope="module")
def fibre_arrays():
    out = {}
    for packing in ("square", "hexagonal"):
        rve = build_rve(enamel_geometry(20.0, 0.4, packing=packing, length=2.0), WIRE_MESH, MPI.COMM_SELF)
        out[packing] = (rve, {p: effective_stiffness(rve, {"wire": FIBRE, "matrix": MATRIX}, degree=p).C for p in (1, 2)})
    return out


@pytest.mark.parametrize("packing", ["square", "hexagonal"])
def test_axial_modulus_of_aligned_fibres_is_hashins_composite_cylinder_value(fibre_arrays, packing):
    rve, C = fibre_arrays[packing]
    E_L, _, _ = _hashin(rve.volume_fractions["wire"])
    assert 1 / np.linalg.inv(C[2])[2, 2] == pytest.approx(E_L, rel=1e-3)


def test_hexagonal_array_transverse_bulk_modulus_lies_inside_hashins_bounds(fibre_arrays):
    rve, C = fibre_arrays["hexagonal"]
    _, k_lower, k_upper = _hashin(rve.volume_fractions["wire"])
    for degree in (1, 2):
        assert k_lower < (C[degree][0, 0] + C[degree][0, 1]) / 2 < k_upper


def test_hexagonal_array_is_transversely_isotropic_to_discretisation_accuracy(fibre_arrays):
    _, C = fibre_arrays["hexagonal"]
    C2 = C[2]
    discretisation = np.abs(C[1] - C2).max()
    assert abs(C2[0, 0] - C2[1, 1]) < discretisation
    assert abs(C2[5, 5] - (C2[0, 0] - C2[0, 1]) / 2) < discretisation
    assert abs(C2[3, 3] - C2[4, 4]) < discretisation


def test_coating_made_of_the_matrix_gives_the_uncoated_array(fibre_arrays):
    _, C = fibre_arrays["hexagonal"]
    coated = build_rve(enamel_geometry(20.0, 0.4, coating_thickness=2.0, packing="hexagonal", length=2.0),
                       MeshSettings(size=1.5, phase_size={"coating": 2 / 3}, curvature_elements=95), MPI.COMM_SELF)
    C_coated = effective_stiffness(coated, {"wire": FIBRE, "coating": MATRIX, "matrix": MATRIX}, degree=1).C
    assert np.abs(C_coated - C[1]).max() < np.abs(C[1] - C[2]).max()  # within the discretisation error

# ------------------------------------------------------------------------------- staggered film

FILM = {"sheet": library_material("graphene_oxide"), "coating": library_material("amorphous_Al2O3"),
        "interlayer": library_material("PVA")}
FILM_MESH = MeshSettings(size=0.5, phase_size={"sheet": 0.23, "interlayer": 0.33})


def test_infinite_sheets_give_the_exact_laminate():
    rve = build_rve(staggered_laminate_geometry(10.0, 0.7, 1.5, 1.0, gap=0.0, layers=2), FILM_MESH, MPI.COMM_SELF)
    C = effective_stiffness(rve, FILM, solver=TIGHT).C
    layers = [FILM[p].stiffness for p in ("interlayer", "coating", "sheet", "coating", "interlayer")]
    exact = plane_strain(laminate_stiffness(layers, np.array([0.5, 1.5, 0.7, 1.5, 0.5]) / 4.7, normal=1))
    nonzero = np.abs(exact) > 0
    assert np.all(np.abs(C - exact)[nonzero] <= 1e-6 * np.abs(exact)[nonzero])


def test_in_plane_modulus_grows_with_sheet_length_towards_the_laminate():
    infinite = build_rve(staggered_laminate_geometry(10.0, 0.7, 1.5, 1.0, gap=0.0), FILM_MESH, MPI.COMM_SELF)
    limit = effective_stiffness(infinite, FILM).engineering["E1"]
    moduli = []
    for length in (5.0, 10.0, 20.0, 40.0):
        rve = build_rve(staggered_laminate_geometry(length, 0.7, 1.5, 1.0, gap=4.0), FILM_MESH, MPI.COMM_SELF)
        moduli.append(effective_stiffness(rve, FILM).engineering["E1"])
    assert all(b > a for a, b in zip(moduli, moduli[1:], strict=False)), moduli
    assert moduli[-1] < limit
