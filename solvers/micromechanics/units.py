"""The unit system of amorfem, stated in every output file.

Lengths in nm and stresses in GPa make a consistent system: a fracture energy of 1 J/m^2 is
1 GPa nm, and an energy density of 1 GPa is 1000 MJ/m^3.
"""

__all__ = ["UNITS", "MJ_PER_M3_PER_GPA"]

#: Units used in every output file.
UNITS = {
    "length": "nm",
    "stress_and_moduli": "GPa",
    "density": "g/cm^3",
    "energy_density": "GPa (1 GPa = 1000 MJ/m^3)",
    "fracture_energy": "J/m^2 (= GPa nm)",
    "time": "s",
}

#: An energy density of 1 GPa in MJ/m^3.
MJ_PER_M3_PER_GPA = 1000.0
