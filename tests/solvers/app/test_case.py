"""Case files: parsing, overrides, and refusal of malformed input before any meshing."""

import pytest

from solvers.app.case import apply_overrides, parse_case

BASE = {
    "geometry": {"kind": "laminate", "thicknesses": [3.0, 1.0], "phases": ["crystal", "glass"], "width": [4.0]},
    "materials": {"crystal": "aragonite", "glass": "Zr_metallic_glass"},
    "mesh": {"size": 0.3},
}


def test_a_valid_case_builds_every_input():
    case = parse_case(BASE, name="demo")
    assert case.geometry.box.lengths == (4.0, 4.0)
    assert set(case.materials) == {"crystal", "glass"}
    assert case.settings.bc == "periodic" and case.degree == 1 and case.analysis.name == "stiffness"


def test_overrides_are_read_as_toml_and_bare_words_as_strings():
    data = apply_overrides(BASE, ["mesh.size=0.25", "analysis.bc=kubc", "materials.glass={E = 90.0, nu = 0.3, density = 6.0}"])
    assert data["mesh"]["size"] == 0.25 and data["analysis"]["bc"] == "kubc"
    assert parse_case(data).materials["glass"].E == 90.0
    assert BASE["mesh"]["size"] == 0.3  # the input is not modified


def test_same_inputs_have_the_same_digest_and_different_ones_do_not():
    assert parse_case(BASE).digest == parse_case(apply_overrides(BASE, [])).digest
    assert parse_case(BASE).digest != parse_case(apply_overrides(BASE, ["mesh.size=0.2"])).digest


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("geometry.kind='sponge'", "kind='sponge' is not known"),
        ("geometry.radius=3.0", r"\[geometry\] kind='laminate' has unknown keys \['radius'\]"),
        ("mesh.degree=5", r"degree=5 is outside the allowed range 1..3"),
        ("mesh.phase_size={ shell = 0.1 }", r"phase_size names \['shell'\]"),
        ("solver.method='lu'", "method='lu' is not known"),
        ("analysis.type='fracture'", "type='fracture' is not known"),
        ("materials.extra='PVA'", r"no phase named \['extra'\]"),
        ("geometry.thicknesses=[3.0, -1.0]", r"thicknesses\[1\]=-1.0 nm is not allowed"),
    ],
)
def test_malformed_case_is_refused_naming_the_parameter(override, message):
    with pytest.raises(ValueError, match=message):
        parse_case(apply_overrides(BASE, [override]))


def test_missing_material_is_refused():
    data = apply_overrides(BASE, [])
    del data["materials"]["glass"]
    with pytest.raises(ValueError, match=r"missing \['glass'\]"):
        parse_case(data)
