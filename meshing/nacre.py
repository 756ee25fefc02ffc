"""Nacre-like brick-and-mortar: crystalline tablets in thin amorphous/organic interlayers.

Two rows of tablets stacked along the last axis (x2 in 2D, x3 in 3D); row 1 is shifted by
``overlap_ratio`` x the tablet period (in 3D along x1 and x2). Between rows lies an interlayer
of ``interlayer_thickness``; between tablets of one row, head joints of
``head_joint_thickness``. Optional mineral bridges (phase ``bridge``) cross the interlayer from a
tablet's top face to the tablet above; optional dovetail tablets (2D) thicken linearly from the
centre towards both ends; 3D tablets are square bricks or periodic Voronoi polygons.
The interlayer is the matrix phase. Units: nm.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from meshing.geometry import Box, PeriodicGeometry, ThinFeature, check_positive
from meshing.shapes import Block, Cylinder, Prism
from meshing.voronoi import periodic_seeds, periodic_voronoi_cells, shrink_cell

__all__ = ["nacre_geometry", "mineral_fraction", "TABLET_SHAPES", "BRIDGE_SHAPES"]

TABLET_SHAPES = ("square", "voronoi")
BRIDGE_SHAPES = ("round", "square")


def mineral_fraction(geometry: PeriodicGeometry) -> float:
    """Volume fraction of the mineral (tablets and bridges) of a nacre geometry."""
    return sum(shape.volume() for shape in geometry.shapes) / geometry.box.volume


def _bridges_2d(phase, x_start, length, top, thickness, period, upper_start, upper_joint, count, diameter):
    """Bridges on the top face of a tablet, away from the head joint of the row above."""
    out = []
    for j in range(count):
        x = x_start + (j + 0.5) * length / count
        joint = (upper_start - upper_joint / 2 - x) % period
        if min(joint, period - joint) < upper_joint / 2 + diameter:
            continue
        out.append(Block(phase, (x - diameter / 2, top), (x + diameter / 2, top + thickness)))
    return out


def _dovetail(phase, x_centre, y_mid, length, thickness, angle):
    """Hexagonal tablet, thinner at its centre and thicker at its ends by (length/2) tan(angle)."""
    rise = length / 4 * math.tan(angle)
    centre, end = thickness / 2 - rise, thickness / 2 + rise
    left, right = x_centre - length / 2, x_centre + length / 2
    return Prism(phase, ((left, y_mid - end), (x_centre, y_mid - centre), (right, y_mid - end),
                         (right, y_mid + end), (x_centre, y_mid + centre), (left, y_mid + end)))


def _build(
    dim, L, h, overlap, t, t_h, width, bridges, d_b, dovetail, shape, per_row, seed, names, bridge_shape="round"
) -> PeriodicGeometry:
    tablet, interlayer, bridge = names
    angle = math.radians(dovetail)
    lift = t_h / 2 * math.tan(angle)
    row_height = h + t + lift
    features = [ThinFeature(interlayer, t, "interlayer between tablet rows"),
                ThinFeature(interlayer, t_h, "head joint between tablets")]
    shapes: list = []
    # Rows start a quarter period in, so that the cell faces cut through tablets rather than
    # along a head joint (the stiffness does not depend on it; pictures do).
    if dim == 2:
        period = L + t_h
        box = Box((period, 2 * row_height))
        starts = [period / 4, period / 4 + overlap * period]
        for row, start in enumerate(starts):
            bottom = row * row_height + t / 2
            if dovetail:
                shapes.append(_dovetail(tablet, start + L / 2, bottom + h / 2, L, h, angle))
            else:
                shapes.append(Block(tablet, (start, bottom), (start + L, bottom + h)))
            if bridges:
                shapes += _bridges_2d(bridge, start, L, bottom + h, t, period, starts[1 - row], t_h, bridges, d_b)
        return PeriodicGeometry(box, interlayer, tuple(shapes), tuple(features))
    if shape == "voronoi":
        side = L * math.sqrt(per_row)
        box = Box((side, side, 2 * row_height))
        for row in range(2):
            bottom = row * row_height + t / 2
            seeds = periodic_seeds(per_row, (side, side), 0.6, np.random.default_rng([seed, row]))
            for centre, cell in zip(seeds, periodic_voronoi_cells(seeds, (side, side)), strict=True):
                polygon = shrink_cell(centre, cell, t_h / 2)
                shapes.append(Prism(tablet, tuple(map(tuple, polygon)), bottom, bottom + h))
        return PeriodicGeometry(box, interlayer, tuple(shapes), tuple(features))
    periods = (L + t_h, width + t_h)
    box = Box((*periods, 2 * row_height))
    for row in range(2):
        bottom = row * row_height + t / 2
        start = [p / 4 + row * overlap * p for p in periods]
        shapes.append(Block(tablet, (*start, bottom), (start[0] + L, start[1] + width, bottom + h)))
        if bridges:
            upper = [p / 4 + (1 - row) * overlap * p for p in periods]
            for j in range(bridges):
                xy = [s + (j + 0.5) / bridges * size for s, size in zip(start, (L, width), strict=True)]
                clear = all(min((u - t_h / 2 - c) % p, p - (u - t_h / 2 - c) % p) > t_h / 2 + d_b
                            for c, u, p in zip(xy, upper, periods, strict=True))
                if clear and bridge_shape == "square":
                    half = d_b * math.sqrt(math.pi) / 4  # the square of the round bridge's area
                    shapes.append(Block(bridge, (xy[0] - half, xy[1] - half, bottom + h),
                                        (xy[0] + half, xy[1] + half, bottom + h + t)))
                elif clear:
                    shapes.append(Cylinder(bridge, (*xy, bottom + h), (0.0, 0.0, t), d_b / 2))
    return PeriodicGeometry(box, interlayer, tuple(shapes), tuple(features))


def nacre_geometry(
    tablet_length: float,
    tablet_thickness: float,
    overlap_ratio: float = 0.5,
    interlayer_thickness: float | None = None,
    volume_fraction: float | None = None,
    head_joint_thickness: float | None = None,
    dim: int = 2,
    tablet_width: float | None = None,
    tablet_shape: str = "square",
    tablets_per_row: int = 4,
    seed: int = 0,
    bridges_per_face: int = 0,
    bridge_diameter: float | None = None,
    dovetail_deg: float = 0.0,
    bridge_shape: str = "round",
    tablet_phase: str = "tablet",
    interlayer_phase: str = "interlayer",
    bridge_phase: str = "bridge",
) -> PeriodicGeometry:
    """Geometry of a brick-and-mortar RVE (two staggered rows of tablets).

    Parameters
    ----------
    tablet_length : float
        Tablet length along x1 (nm); for Voronoi tablets, the square root of the mean tablet area.
    tablet_thickness : float
        Tablet thickness (nm) along the stacking axis (mean thickness for dovetail tablets).
    overlap_ratio : float
        Shift of the second row as a fraction of the tablet period (tablet + head joint), in
        [0, 0.5]: 0.5 is the symmetric brick wall, 0 aligns the head joints (columnar).
        The overlap length on the short side is ``overlap_ratio x period - head joint``.
    interlayer_thickness : float, optional
        Interlayer between rows (nm). Give this or ``volume_fraction``.
    volume_fraction : float, optional
        Target mineral (tablets + bridges) fraction; the interlayer and head-joint thickness
        (taken equal) are solved for it.
    head_joint_thickness : float, optional
        Gap between tablets of one row (nm); default the interlayer thickness.
    dim : {2, 3}
        2: plane strain in the x1-x2 plane; 3: tablets in the x1-x2 plane, stacked along x3.
    tablet_width : float, optional
        3D square bricks: width along x2 (nm), default the length.
    tablet_shape : {"square", "voronoi"}
        3D tablet shape: rectangular bricks, or convex polygons of a periodic Voronoi tessellation
        (each row drawn independently, so rows are staggered at random).
    tablets_per_row : int
        Voronoi tablets per row.
    seed : int
        Voronoi seed (the geometry is deterministic for a seed).
    bridges_per_face : int
        Mineral bridges from each tablet's top face to the tablet above (not under a head joint).
    bridge_diameter : float, optional
        Bridge diameter (nm), required with bridges.
    bridge_shape : {"round", "square"}
        3D bridges: cylinders, or square posts of the same cross-section area (axis-aligned
        blocks, which the tensor-grid mesher can mesh).
    dovetail_deg : float
        2D dovetail angle: tablet faces tilt by this angle (degrees, [0, 20]), thinner at the
        centre, thicker at the ends; needs ``overlap_ratio = 0.5`` so the rows nest.
    tablet_phase, interlayer_phase, bridge_phase : str
        Phase names (give bridges the tablet's material).

    Returns
    -------
    PeriodicGeometry
    """
    check_positive("tablet_length", tablet_length)
    check_positive("tablet_thickness", tablet_thickness)
    if not 0 <= overlap_ratio <= 0.5:
        raise ValueError(f"overlap_ratio={overlap_ratio} is outside the allowed range [0, 0.5]")
    if dim not in (2, 3):
        raise ValueError(f"dim={dim} is not allowed; must be 2 or 3")
    if tablet_shape not in TABLET_SHAPES:
        raise ValueError(f"tablet_shape='{tablet_shape}' is not known; allowed: {', '.join(TABLET_SHAPES)}")
    if tablet_shape == "voronoi" and (dim == 2 or bridges_per_face):
        raise ValueError("tablet_shape='voronoi' is for dim = 3 without bridges")
    if not (isinstance(tablets_per_row, int) and tablets_per_row >= 2):
        raise ValueError(f"tablets_per_row={tablets_per_row!r} must be an integer >= 2")
    if not 0 <= dovetail_deg <= 20:
        raise ValueError(f"dovetail_deg={dovetail_deg} is outside the allowed range [0, 20]")
    if dovetail_deg and (dim == 3 or overlap_ratio != 0.5 or bridges_per_face):
        raise ValueError("dovetail tablets need dim = 2, overlap_ratio = 0.5 (so that the rows nest) and no bridges")
    if dovetail_deg and tablet_length / 2 * math.tan(math.radians(dovetail_deg)) >= tablet_thickness:
        raise ValueError(f"dovetail_deg={dovetail_deg}: the tablet centre would vanish; "
                         f"need tan(angle) < 2 thickness / length = {2 * tablet_thickness / tablet_length:.3g}")
    if bridge_shape not in BRIDGE_SHAPES:
        raise ValueError(f"bridge_shape='{bridge_shape}' is not known; allowed: {', '.join(BRIDGE_SHAPES)}")
    if not (isinstance(bridges_per_face, int) and bridges_per_face >= 0):
        raise ValueError(f"bridges_per_face={bridges_per_face!r} must be an integer >= 0")
    if bridges_per_face:
        if bridge_diameter is None:
            raise ValueError("bridges_per_face > 0 needs bridge_diameter (nm)")
        check_positive("bridge_diameter", bridge_diameter)
    width = tablet_length if tablet_width is None else tablet_width
    check_positive("tablet_width", width)
    if (interlayer_thickness is None) == (volume_fraction is None):
        raise ValueError("give exactly one of interlayer_thickness (nm) or volume_fraction (mineral)")

    def build(t: float, t_h: float) -> PeriodicGeometry:
        return _build(dim, tablet_length, tablet_thickness, overlap_ratio, t, t_h, width, bridges_per_face,
                      bridge_diameter, dovetail_deg, tablet_shape, tablets_per_row, seed,
                      (tablet_phase, interlayer_phase, bridge_phase), bridge_shape)

    if interlayer_thickness is not None:
        check_positive("interlayer_thickness", interlayer_thickness)
        joint = interlayer_thickness if head_joint_thickness is None else head_joint_thickness
        check_positive("head_joint_thickness", joint)
        return build(interlayer_thickness, joint)
    if head_joint_thickness is not None:
        raise ValueError("with volume_fraction, the head joints take the solved interlayer thickness; "
                         "do not give head_joint_thickness")
    lo, hi = 1e-6 * tablet_thickness, 2.0 * tablet_thickness
    f_lo, f_hi = mineral_fraction(build(lo, lo)), mineral_fraction(build(hi, hi))
    if not f_hi < volume_fraction < f_lo:
        raise ValueError(f"volume_fraction={volume_fraction} is outside the reachable range ({f_hi:.3f}, {f_lo:.4f}) "
                         f"for interlayers between {hi:g} and {lo:.2g} nm")
    t = brentq(lambda x: mineral_fraction(build(x, x)) - volume_fraction, lo, hi, xtol=1e-12 * tablet_thickness)
    return build(t, t)
