"""The application layer: case files, running a case, the command line, the results folder, mesh export.

The only layer of ``solvers`` that imports ``postprocess`` (for pictures after a run).
"""
