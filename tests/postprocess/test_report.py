"""HTML reports: valid markup, every image present and a PNG, numbers from the summary; CLI."""

import base64
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from postprocess.figures import FIGURES
from postprocess.report import write_comparison, write_report
from postprocess.results import load_results

BIN = Path(sys.executable).parent
VOID = {"meta", "img", "br", "hr", "link", "input"}


class _Checker(HTMLParser):
    """Checks that tags nest and close, and collects image sources and text."""

    def __init__(self):
        super().__init__()
        self.stack, self.images, self.text, self.errors = [], [], [], []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _check(path):
    text = path.read_text()
    assert text.startswith("<!DOCTYPE html>")
    checker = _Checker()
    checker.feed(text)
    assert not checker.errors and not checker.stack
    signatures = {"data:image/png;base64,": b"\x89PNG\r\n\x1a\n", "data:image/gif;base64,": b"GIF89a"}
    for src in checker.images:
        kind = next(k for k in signatures if src.startswith(k))
        data = base64.b64decode(src.split(",", 1)[1])
        assert data[: len(signatures[kind])] == signatures[kind]
    return checker


def test_case_report_is_valid_and_embeds_every_available_figure(sphere_results):
    report = write_report(sphere_results)
    checker = _check(report)
    results = load_results(sphere_results)
    inelastic = {"stress_strain", "plastic_strain", "von_mises_end", "plastic_zone_growth", "ashby_strength", "crack",
                 "damage", "crack_growth", "force_displacement", "r_curve", "ashby_toughness"}
    assert len(checker.images) == sum(spec.available(results) for spec in FIGURES) == len(FIGURES) - len(inelastic)
    page = " ".join(checker.text)
    C11 = json.loads((sphere_results / "summary.json").read_text())["C"][0][0]
    assert f"{C11:.4g}" in page
    assert "dolfinx" in page and "GPa" in page


def test_2d_report_leaves_out_the_3d_only_figures(coated_wire_results):
    checker = _check(write_report(coated_wire_results))
    results = load_results(coated_wire_results)
    assert len(checker.images) == sum(spec.available(results) for spec in FIGURES) < len(FIGURES)


def test_comparison_puts_the_cases_side_by_side(sphere_results, coated_wire_results, tmp_path):
    checker = _check(write_comparison([sphere_results, coated_wire_results], tmp_path / "compare.html"))
    page = " ".join(checker.text)
    assert "stiff sphere in soft glass" in page and "2 nm coating on a 40 nm wire" in page
    assert len(checker.images) == 2 + 2 * 2


def test_cli_report_and_headless_view(sphere_results, tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    report = subprocess.run([str(BIN / "amorfem"), "report", str(sphere_results)], capture_output=True, text=True, env=env)
    assert report.returncode == 0, report.stderr
    assert (sphere_results / "report.html").is_file()
    view = subprocess.run([str(BIN / "amorfem"), "view", str(sphere_results)], capture_output=True, text=True, env=env)
    assert view.returncode == 0, view.stderr
    assert view.stdout.count(".png") == sum(spec.available(load_results(sphere_results)) for spec in FIGURES)


def test_strength_report_has_the_curve_the_plastic_zones_and_their_growth(strength_results):
    checker = _check(write_report(strength_results))
    results = load_results(strength_results)
    figures = {spec.name for spec in FIGURES if spec.available(results)}
    assert {"stress_strain", "plastic_strain", "von_mises_end", "plastic_zone_growth", "ashby_strength", "phases"} <= figures
    assert "bounds" not in figures  # stiffness figures need a stiffness
    assert len(checker.images) == len(figures)
    summary = json.loads((strength_results / "summary.json").read_text())
    page = " ".join(checker.text)
    assert f"{summary['strength']['peak_strength_GPa']:.4g}" in page
    gif = strength_results / "figures" / "plastic_zone_growth.gif"
    from PIL import Image

    with Image.open(gif) as animation:
        assert animation.n_frames == len(summary["strength"]["field_steps"]) >= 2
