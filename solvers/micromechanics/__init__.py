"""The pure-NumPy layer: tensor conventions, materials, bounds and closed-form estimates.

Nothing here imports DOLFINx, PETSc, gmsh or the rest of amorfem (only NumPy, SciPy and the
standard library), so any layer may import it, ``postprocess`` included. Every tensor, material
and bounds formula of amorfem lives here once:

* :mod:`~solvers.micromechanics.voigt`: the Voigt convention (stated once), rotations, unit strains;
* :mod:`~solvers.micromechanics.materials`, :mod:`~solvers.micromechanics.material_library`:
  elastic phase materials and the named materials of the field, each with its source;
* :mod:`~solvers.micromechanics.engineering`: engineering constants of a stiffness;
* :mod:`~solvers.micromechanics.bounds`, :mod:`~solvers.micromechanics.eshelby`: Voigt/Reuss,
  Hashin-Shtrikman, dilute, Mori-Tanaka, laminates, polycrystals, Eshelby tensors;
* :mod:`~solvers.micromechanics.invariants`: stress invariants (von Mises, pressure);
* :mod:`~solvers.micromechanics.units`, :mod:`~solvers.micromechanics.atomic_files`: the unit
  system of every output file, and files written whole (temporary name, then rename).

Units: moduli and stresses in GPa, lengths in nm, density in g/cm^3.
"""
