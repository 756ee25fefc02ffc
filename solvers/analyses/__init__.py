"""Analyses, each selected by ``[analysis] type`` in a case file.

An analysis is one module here that builds an :class:`~solvers.analyses.registry.Analysis` and
registers it; :data:`ANALYSES` maps every registered type to it. Adding one is adding a sibling
module and its import below: run, case parsing and local fields do not change.
"""

from solvers.analyses.registry import ANALYSES, Analysis, AnalysisInputs, AnalysisResult, analysis_named, register
from solvers.analyses import stiffness  # noqa: F401  (registers "stiffness")
from solvers.analyses import strength  # noqa: F401  (registers "strength")
from solvers.analyses import toughness  # noqa: F401  (registers "toughness")

__all__ = ["ANALYSES", "Analysis", "AnalysisInputs", "AnalysisResult", "analysis_named", "register"]
