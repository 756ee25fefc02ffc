"""The finite-element core (DOLFINx 0.11, PETSc): what every analysis is built from.

* :mod:`~solvers.fe.body`: what the core needs of a meshed RVE or specimen;
* :mod:`~solvers.fe.periodic`, :mod:`~solvers.fe.nullspace`: the periodic fold of a Lagrange
  space, rigid-body modes;
* :mod:`~solvers.fe.kinematics`: Voigt strains in UFL (2D in generalized plane strain);
* :mod:`~solvers.fe.constitutive`, :mod:`~solvers.fe.quadrature`: constitutive laws as objects,
  evaluated at quadrature points with their state;
* :mod:`~solvers.fe.elasticity`: the elastic stiffness of the phases as UFL coefficients;
* :mod:`~solvers.fe.linear_solver`, :mod:`~solvers.fe.nonlinear_solver`: checked KSP and SNES wrappers;
* :mod:`~solvers.fe.connectivity`: pieces of a mesh not tied to the rest;
* :mod:`~solvers.fe.fields`: exact cell and phase integrals of strain and stress;
* :mod:`~solvers.fe.io`: atomic files and VTK fields.

Units: nm, GPa.
"""
