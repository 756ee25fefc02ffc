"""Named materials of the field, each with the source of its numbers.

Units: moduli in GPa, density in g/cm^3. Crystal constants are in the crystal frame
(Voigt order 11, 22, 33, 23, 13, 12; see :mod:`solvers.micromechanics.voigt`).

Numbers marked *estimate* have no direct measurement behind them in our references; they are
reasonable for a first design study and should be overridden inline (``{E = ..., nu = ...}``)
when a measured value for your material exists.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from solvers.micromechanics.materials import Material, anisotropic, isotropic, stiffness_from_constants
from solvers.micromechanics.plasticity import plasticity_from_spec

__all__ = ["LIBRARY", "known_materials", "library_material", "material_from_spec"]

#: name -> definition. ``E``/``nu`` for isotropic, ``constants``/``symmetry`` for crystals.
LIBRARY: dict[str, dict[str, Any]] = {
    # Crystals -------------------------------------------------------------------------------
    "aragonite": {
        # Liu, Chen, Lin, Yang, Phys. Chem. Minerals 32 (2005) 97-102, Brillouin spectroscopy.
        "symmetry": "orthorhombic",
        "constants": {"C11": 171.1, "C22": 110.1, "C33": 98.4, "C44": 39.3, "C55": 24.2,
                      "C66": 40.2, "C12": 60.3, "C13": 27.8, "C23": 41.9},
        # X-ray density, Dal Negro & Ungaretti, Am. Mineral. 56 (1971) 768.
        "density": 2.93,
        "source": "Liu et al., Phys. Chem. Minerals 32 (2005) 97; density Dal Negro & Ungaretti (1971)",
    },
    "hydroxyapatite": {
        # Katz & Ukraincik, J. Biomech. 4 (1971) 221; hexagonal, c axis along x3.
        "symmetry": "hexagonal",
        "constants": {"C11": 137.0, "C33": 172.0, "C44": 39.6, "C12": 42.5, "C13": 54.9},
        # Theoretical density of stoichiometric hydroxyapatite.
        "density": 3.16,
        "source": "Katz & Ukraincik, J. Biomech. 4 (1971) 221 (c axis along x3)",
    },
    "magnesium": {
        # Slutsky & Garland, Phys. Rev. 107 (1957) 972, room temperature; hexagonal, c along x3.
        "symmetry": "hexagonal",
        "constants": {"C11": 59.4, "C33": 61.6, "C44": 16.4, "C12": 25.6, "C13": 21.4},
        "density": 1.74,
        "source": "Slutsky & Garland, Phys. Rev. 107 (1957) 972 (c axis along x3)",
    },
    "copper": {
        # Overton & Gaffney, Phys. Rev. 98 (1955) 969, room temperature (ultrasonic); cubic, the
        # cube axes along x1, x2, x3. Zener anisotropy 2 C44 / (C11 - C12) = 3.2.
        "symmetry": "cubic",
        "constants": {"C11": 168.4, "C12": 121.4, "C44": 75.4},
        "density": 8.96,
        "source": "Overton & Gaffney, Phys. Rev. 98 (1955) 969 (cube axes along x1, x2, x3)",
    },
    # Amorphous and soft phases --------------------------------------------------------------
    "amorphous_Al2O3": {
        # ALD alumina, free-standing films: E = 164-165 GPa (Berdova et al., Acta Mater. 66 (2014) 370).
        "E": 165.0,
        # nu: estimate, typical of amorphous oxide films.
        "nu": 0.24,
        # 3.11 g/cm^3 for a 50 nm ALD film (Rontu et al., Acta Mater. (2018), bulge test).
        "density": 3.11,
        "source": "E: Berdova et al., Acta Mater. 66 (2014) 370; density: Rontu et al. (2018); nu estimate",
        # Dense amorphous alumina flows plastically at room temperature without fracture (films
        # to 100 % elongation, Frankberg et al., Science 366 (2019) 864; micropillars to 50 %,
        # Adv. Mater. 35 (2023) 2303142). The flow stress here is an estimate.
        "plasticity": {"model": "von_mises", "yield_stress": 3.0,
                       "source": "estimate; room-temperature plasticity: Frankberg et al., Science 366 (2019) 864"},
    },
    "amorphous_ZrO2": {
        # estimate: no direct measurement in our references. Amorphous oxides keep ~60-80 % of
        # the crystal's modulus (crystalline ZrO2 200-240 GPa); ALD ZrO2-based films reach 170 GPa
        # when crystalline (Piirsoo et al., AIP Adv. 11 (2021) 055316).
        "E": 150.0,
        "nu": 0.27,
        # estimate: amorphous ZrO2 densities 5.2-5.9 g/cm^3 (MD, Sheikholeslam et al., Thin
        # Solid Films 594 (2015) 172).
        "density": 5.6,
        "source": "estimate (see solvers/material_library.py)",
        # estimate: no room-temperature yield data in our references (amorphous ZrO2-Al2O3 flows
        # at 0.36 GPa at 600-700 C, Gandhi & Jayaram, Acta Mater. 51 (2003) 1641).
        "plasticity": {"model": "von_mises", "yield_stress": 2.5, "source": "estimate"},
    },
    "Zr_metallic_glass": {
        # Zr55Al20Co20Cu5 bulk glassy alloy: E = 92 GPa, tensile strength 1.96 GPa
        # (Wada, Zhang, Inoue, Mater. Trans. 44 (2003) 1839).
        "E": 92.0,
        # nu: estimate, typical of Zr-based bulk metallic glasses (0.35-0.38).
        "nu": 0.36,
        # estimate from the composition with ideal mixing of elemental molar volumes.
        "density": 6.3,
        "source": "E: Wada et al., Mater. Trans. 44 (2003) 1839 (Zr55Al20Co20Cu5); nu, density estimates",
        # Tensile strength 1.96 GPa (Wada et al. 2003); compressive strength ~24 % above tensile
        # (REFERENCES.md: pressure sensitivity of Zr-based glasses). No work hardening (perfect
        # plasticity); the dilatancy of the flow is an estimate.
        "plasticity": {"model": "drucker_prager", "tensile_yield": 1.96, "compressive_yield": 2.43, "dilatancy": 0.5,
                       "source": "sigma_t: Wada et al., Mater. Trans. 44 (2003) 1839; sigma_c = 1.24 sigma_t; "
                                 "dilatancy estimate"},
    },
    "MgCuY_metallic_glass": {
        # Mg-Cu-Y(Gd, Tb) bulk metallic glasses, the amorphous shells of dual-phase Mg alloys
        # (Wu et al., Nature 545 (2017) 80). E and nu: estimates, the middle of the range that
        # W. H. Wang, Prog. Mater. Sci. 57 (2012) 487 reviews for Mg-based glasses
        # (E 45-55 GPa, nu 0.30-0.33). Density: estimate for Mg65Cu25Y10.
        "E": 50.0,
        "nu": 0.31,
        "density": 3.3,
        "source": "estimates for Mg65Cu25Y10-type glass (Mg-based range in Wang, Prog. Mater. Sci. 57 (2012) 487)",
        # estimate: monolithic Mg-Cu-(Zn)-Y glasses fail in compression near 0.83 GPa (their
        # particle composites reach ~1 GPa, 1.2 times more); the tensile value assumes the
        # Zr-based asymmetry (1.24).
        "plasticity": {"model": "drucker_prager", "tensile_yield": 0.67, "compressive_yield": 0.83, "dilatancy": 0.5,
                       "source": "estimate (compressive strength of monolithic Mg65Cu20Zn5Y10 glass, ~0.83 GPa)"},
    },
    "graphene_oxide": {
        # Monolayer GO, effective E = 207.6 GPa for a 0.7 nm thickness
        # (Suk, Piner, An, Ruoff, ACS Nano 4 (2010) 6557).
        "E": 207.6,
        # nu: estimate (graphene-like in-plane value); the sheet is treated as isotropic.
        "nu": 0.17,
        # estimate: GO density 1.8-2.2 g/cm^3.
        "density": 1.9,
        "source": "E: Suk et al., ACS Nano 4 (2010) 6557; nu, density estimates",
        # estimate: GO sheets are brittle; this caps the in-plane stress at a strength of the
        # order reported for monolayer GO (tens of GPa) rather than describing flow.
        "plasticity": {"model": "von_mises", "yield_stress": 20.0, "source": "estimate (a strength cap; GO is brittle)"},
    },
    "PVA": {
        # estimate for dry, glassy poly(vinyl alcohol); the modulus falls steeply with humidity
        # (Konidari et al., J. Appl. Polym. Sci. 120 (2011) 3381).
        "E": 3.0,
        "nu": 0.40,
        # NETZSCH polymer data sheet, PVAL: 1.21 g/cm^3.
        "density": 1.21,
        "source": "E, nu estimates (dry PVA); density NETZSCH PVAL data sheet",
        # estimates for dry glassy PVA: tensile yield ~70 MPa, compression ~30 % higher (typical
        # pressure sensitivity of glassy polymers), mild hardening.
        "plasticity": {"model": "drucker_prager", "tensile_yield": 0.07, "compressive_yield": 0.09, "dilatancy": 0.5,
                       "hardening_modulus": 0.1, "source": "estimates (dry glassy PVA)"},
    },
    "nacre_protein": {
        # Organic matrix of nacre: shear modulus 1.25-1.45 GPa from MD of Perlucin and Lustrin A
        # (Raj, Patil, Markert, J. Compos. Sci. 4 (2020) 35); G = 1.4 GPa with nu = 0.4
        # (estimate) gives E = 2 G (1 + nu) = 3.92 GPa.
        "E": 3.92,
        "nu": 0.40,
        # typical protein density 1.35 g/cm^3.
        "density": 1.35,
        "source": "G: Raj et al., J. Compos. Sci. 4 (2020) 35 (MD); nu, density estimates",
        # estimate: shear yield 25 MPa, the order of the interface shear strengths inferred for
        # tablet sliding in nacre (tens of MPa), with hardening (tablet waviness, asperities).
        "plasticity": {"model": "von_mises", "yield_stress": 0.0433, "hardening_modulus": 0.3,
                       "source": "estimate (shear yield 25 MPa, nacre interface strengths of tens of MPa)"},
    },
}


def known_materials() -> list[str]:
    """Names of the shipped materials."""
    return sorted(LIBRARY)


def library_material(name: str, euler_deg: list[float] | None = None) -> Material:
    """A shipped material by name, with its yield data where the library has them.

    Parameters
    ----------
    name : str
        One of :func:`known_materials`.
    euler_deg : list of 3 floats, optional
        Bunge Euler angles (degrees) of a crystal in the sample frame.

    Returns
    -------
    Material
    """
    if name not in LIBRARY:
        close = difflib.get_close_matches(name, LIBRARY, n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown material '{name}'. Known materials: {', '.join(known_materials())}.{hint}")
    entry = LIBRARY[name]
    if "E" in entry:
        if euler_deg is not None:
            raise ValueError(f"material '{name}' is isotropic; an orientation (euler_deg) has no meaning for it")
        plasticity = plasticity_from_spec(entry["plasticity"], name) if "plasticity" in entry else None
        material = isotropic(entry["E"], entry["nu"], entry["density"], name=name, source=entry["source"],
                             plasticity=plasticity)
    else:
        C = stiffness_from_constants(entry["constants"], entry["symmetry"])
        material = anisotropic(C, entry["density"], euler_deg=euler_deg, name=name, source=entry["source"])
    if "fracture" in entry:
        material = replace(material, fracture_energy=float(entry["fracture"]["energy"]))
    return material


_INLINE_KEYS = {"name", "E", "nu", "density", "C", "euler_deg", "source", "plasticity", "fracture_energy"}


def material_from_spec(spec: str | Mapping[str, Any], label: str = "material") -> Material:
    """A material from a case-file entry.

    Parameters
    ----------
    spec : str or mapping
        A library name (``"aragonite"``); a library crystal turned to an orientation
        (``{name = "aragonite", euler_deg = [0, 90, 0]}``); an inline isotropic material
        (``{E = 70, nu = 0.2, density = 2.5}``, GPa and g/cm^3); or an inline crystal
        (``{C = [[...6x6...]], density = 3.0, euler_deg = [...]}``). An isotropic material may
        carry ``plasticity = {model = "von_mises" | "drucker_prager", ...}`` (GPa), which replaces
        the library's yield data, or ``plasticity = false`` to keep the phase elastic. Any
        material may carry ``fracture_energy`` (J/m^2 = GPa nm), which replaces the library's.
    label : str
        Name of the phase, used in error messages and as the default material name.

    Returns
    -------
    Material
    """
    if isinstance(spec, str):
        return library_material(spec)
    if not isinstance(spec, Mapping):
        raise ValueError(f"material of phase '{label}': expected a name or a table, got {spec!r}")
    unknown = set(spec) - _INLINE_KEYS
    if unknown:
        raise ValueError(f"material of phase '{label}': unknown keys {sorted(unknown)}; allowed: {sorted(_INLINE_KEYS)}")
    material = _elastic_from_spec(spec, label)
    if "fracture_energy" in spec:
        value = spec["fracture_energy"]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"material of phase '{label}': fracture_energy={value!r} must be a number (J/m^2)")
        material = replace(material, fracture_energy=float(value))
    if "plasticity" not in spec:
        return material
    plasticity = spec["plasticity"]
    if plasticity is False:
        return replace(material, plasticity=None)
    if not isinstance(plasticity, Mapping):
        raise ValueError(f"material of phase '{label}': plasticity={plasticity!r} must be a table (model = ...) or false")
    return replace(material, plasticity=plasticity_from_spec(plasticity, label))


def _elastic_from_spec(spec: Mapping[str, Any], label: str) -> Material:
    if "name" in spec and not ({"E", "nu", "C"} & set(spec)):
        return library_material(spec["name"], euler_deg=spec.get("euler_deg"))
    name = spec.get("name", label)
    source = spec.get("source", "given inline")
    if "density" not in spec:
        raise ValueError(f"material of phase '{label}': 'density' (g/cm^3) is required for an inline material")
    if "C" in spec:
        return anisotropic(spec["C"], spec["density"], euler_deg=spec.get("euler_deg"), name=name, source=source)
    if "E" not in spec or "nu" not in spec:
        raise ValueError(f"material of phase '{label}': an inline isotropic material needs both 'E' (GPa) and 'nu'")
    if "euler_deg" in spec:
        raise ValueError(f"material of phase '{label}' is isotropic; an orientation (euler_deg) has no meaning for it")
    return isotropic(spec["E"], spec["nu"], spec["density"], name=name, source=source)
