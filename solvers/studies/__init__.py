"""Parameter studies: a base case, a design of points, run over MPI groups, resumable.

See :mod:`solvers.studies.study` (the :class:`Study` and its table), :mod:`solvers.studies.designs`
(grids, lists, Latin hypercube and Sobol samples) and :mod:`solvers.studies.points` (identities
and records). Units are the case's: nm, GPa, g/cm^3, J/m^2, MJ/m^3.
"""

from solvers.studies.designs import Design, Range, design_from_table, explicit, grid, latin_hypercube, sobol
from solvers.studies.study import Study, load_study, study_table

__all__ = ["Design", "Range", "Study", "design_from_table", "explicit", "grid", "latin_hypercube", "load_study", "sobol",
           "study_table"]
