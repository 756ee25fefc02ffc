"""amorfem solvers, in four layers; each imports only the layers above it in this list.

* :mod:`solvers.micromechanics`: pure NumPy. Tensor conventions, materials, the material
  library, engineering constants, bounds and closed-form estimates. Any layer may import it,
  ``postprocess`` included.
* :mod:`solvers.fe`: the finite-element core on DOLFINx/PETSc. Function spaces (the periodic
  fold), kinematics, constitutive laws at quadrature points with their state, linear and
  nonlinear (SNES) solver wrappers, exact cell and phase integrals for local fields, VTK output.
* :mod:`solvers.analyses`: one module per analysis (``stiffness``, ...), each registered under
  the ``[analysis] type`` that selects it.
* :mod:`solvers.app`: the application. Case files, running a case, the command line, the
  results folder, mesh export. The only layer that imports ``postprocess``.

Importing ``solvers`` itself loads nothing heavy. Units everywhere: nm, GPa, J/m^2, g/cm^3.
"""
