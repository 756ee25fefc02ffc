"""Finite specimens: a periodic microstructure tiled and cut to an outline, with notches.

A :class:`SpecimenGeometry` is pure data, like a :class:`~meshing.geometry.PeriodicGeometry`,
and shares its shapes: the microstructure's cell is repeated over the outline from ``origin``
(every shape drawn at every cell offset, which also places its periodic images), clipped to the
outline, and notches are cut out. Faces and parts of faces (patches, where loads and supports
act) become named boundary groups. Typical specimens: :func:`single_edge_notched_tension` and
:func:`three_point_bending`.

Units: nm. The outline spans ``[0, W] x [0, H] (x [0, B])``; 2D specimens lie in the x1-x2
plane (plane strain); a notch runs through the thickness of a 3D specimen (along x3).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from meshing.geometry import Box, PeriodicGeometry, check_positive

__all__ = [
    "Notch",
    "BoundaryPatch",
    "SpecimenGeometry",
    "specimen_geometry",
    "single_edge_notched_tension",
    "three_point_bending",
    "FACES",
    "NOTCH_TAG",
    "PATCH_TAG_START",
]

#: Outline faces by name: (axis, side).
FACES = {f"{'xyz'[a]}{side}": (a, side) for a in range(3) for side in ("min", "max")}

#: Facet tag of notch surfaces; patches get PATCH_TAG_START + their index. Faces: 101 + 2 axis (+1 max).
NOTCH_TAG = 200
PATCH_TAG_START = 300


def _face(name: str, dim: int, what: str, in_plane: bool = False) -> tuple[int, str]:
    allowed = [f for f, (axis, _) in FACES.items() if axis < (2 if in_plane else dim)]
    if name not in allowed:
        raise ValueError(f"{what} face={name!r} is not allowed; allowed: {', '.join(allowed)}")
    return FACES[name]


@dataclass(frozen=True)
class Notch:
    """A straight notch cut into the specimen from one face: a slot with a round or flat tip.

    Parameters
    ----------
    face : str
        Face it starts from: "xmin", "xmax", "ymin" or "ymax" (it runs through x3 in 3D).
    position : float
        Coordinate of its centre line along the face's in-plane tangent (nm): the x2 position for
        an x face, the x1 position for a y face.
    depth : float
        Its length into the specimen, tip included (nm), > 0.
    width : float
        Its width (nm), > 0; a round tip has radius width / 2.
    tip : {"round", "flat"}
    """

    face: str
    position: float
    depth: float
    width: float
    tip: str = "round"

    def __post_init__(self) -> None:
        check_positive("notch depth", self.depth)
        check_positive("notch width", self.width)
        if self.tip not in ("round", "flat"):
            raise ValueError(f"notch tip={self.tip!r} is not known; allowed: round, flat")
        if self.tip == "round" and self.depth < self.width / 2:
            raise ValueError(f"notch depth={self.depth} nm must be at least half its width ({self.width / 2} nm) "
                             "for a round tip")

    @property
    def axis(self) -> int:
        """Axis along which the notch runs into the specimen."""
        return FACES[self.face][0]

    @property
    def tangent(self) -> int:
        """In-plane axis along the face (the notch's width direction)."""
        return 1 - self.axis

    def tip_point(self, outline: Box) -> tuple[float, ...]:
        """The notch tip (nm): the deepest point of the slot, mid-thickness in 3D."""
        point = [0.0] * outline.dim
        axis, side = FACES[self.face]
        point[axis] = self.depth if side == "min" else outline.lengths[axis] - self.depth
        point[self.tangent] = self.position
        if outline.dim == 3:
            point[2] = outline.lengths[2] / 2
        return tuple(point)

    def area(self) -> float:
        """In-plane area of the slot (nm^2)."""
        if self.tip == "flat":
            return self.width * self.depth
        r = self.width / 2
        return self.width * (self.depth - r) + math.pi * r**2 / 2


@dataclass(frozen=True)
class BoundaryPatch:
    """A named part of one outline face, where a load or a support acts.

    Parameters
    ----------
    name : str
        Name of its boundary group (e.g. "load", "support_left").
    face : str
        The face it lies on ("xmin" ... ; "zmin"/"zmax" are not allowed: patches span x3).
    lower, upper : float
        Its extent along the face's in-plane tangent (nm), ``lower < upper``.
    """

    name: str
    face: str
    lower: float
    upper: float

    def __post_init__(self) -> None:
        check_positive(f"width of boundary patch '{self.name}'", self.upper - self.lower)
        if not self.name.isidentifier():
            raise ValueError(f"boundary patch name {self.name!r} must be an identifier (letters, digits, _)")

    @property
    def axis(self) -> int:
        """Normal axis of its face."""
        return FACES[self.face][0]


@dataclass(frozen=True)
class SpecimenGeometry:
    """A specimen outline tiled with a periodic microstructure, with notches and boundary patches.

    Parameters
    ----------
    outline : Box
        The specimen ``[0, W] x [0, H] (x [0, B])`` (nm).
    microstructure : PeriodicGeometry
        The cell repeated over the outline.
    origin : tuple of float
        Where the corner of the microstructure cell ``(0, ..., 0)`` sits in the outline (nm);
        shift it to choose where the microstructure is cut.
    notches : tuple of Notch
    patches : tuple of BoundaryPatch
    """

    outline: Box
    microstructure: PeriodicGeometry
    origin: tuple[float, ...] = ()
    notches: tuple[Notch, ...] = ()
    patches: tuple[BoundaryPatch, ...] = ()

    #: What this geometry builds (see :func:`meshing.body_kind`).
    body_kind: ClassVar[str] = "specimen"

    def __post_init__(self) -> None:
        dim = self.outline.dim
        if self.microstructure.box.dim != dim:
            raise ValueError(f"the microstructure is {self.microstructure.box.dim}D but the outline is {dim}D")
        origin = tuple(float(v) for v in self.origin) or (0.0,) * dim
        if len(origin) != dim:
            raise ValueError(f"origin {list(origin)} must have {dim} coordinates (nm)")
        object.__setattr__(self, "origin", origin)
        object.__setattr__(self, "notches", tuple(self.notches))
        object.__setattr__(self, "patches", tuple(self.patches))
        for notch in self.notches:
            axis, _ = _face(notch.face, dim, "notch", in_plane=True)
            if notch.depth >= self.outline.lengths[axis]:
                raise ValueError(f"notch depth={notch.depth} nm reaches through the specimen "
                                 f"({self.outline.lengths[axis]} nm along x{axis + 1}); allowed: < that")
            span = self.outline.lengths[notch.tangent]
            if not (notch.width / 2 < notch.position < span - notch.width / 2):
                raise ValueError(f"notch position={notch.position} nm is outside ({notch.width / 2}, {span - notch.width / 2}) "
                                 f"nm: the slot must lie inside the face")
        names = [p.name for p in self.patches]
        if len(set(names)) != len(names):
            raise ValueError(f"boundary patch names {names} must be distinct")
        for patch in self.patches:
            axis, _ = _face(patch.face, dim, f"boundary patch '{patch.name}'", in_plane=True)
            span = self.outline.lengths[1 - axis]
            if not (0 <= patch.lower < patch.upper <= span):
                raise ValueError(f"boundary patch '{patch.name}' [{patch.lower}, {patch.upper}] nm is outside the face "
                                 f"[0, {span}] nm")
            for notch in self.notches:
                if notch.face == patch.face and patch.lower < notch.position + notch.width / 2 \
                        and notch.position - notch.width / 2 < patch.upper:
                    raise ValueError(f"boundary patch '{patch.name}' overlaps the notch on face {patch.face}")
        for a in self.patches:
            for b in self.patches:
                if a.name < b.name and a.face == b.face and a.lower < b.upper and b.lower < a.upper:
                    raise ValueError(f"boundary patches '{a.name}' and '{b.name}' overlap on face {a.face}")

    @property
    def box(self) -> Box:
        """The outline (the box the specimen fills before notching)."""
        return self.outline

    @property
    def phase_names(self) -> tuple[str, ...]:
        """Phase names of the microstructure."""
        return self.microstructure.phase_names

    @property
    def thin_features(self):
        """The microstructure's thin features (the mesh must resolve them everywhere)."""
        return self.microstructure.thin_features

    def tile_offsets(self) -> list[tuple[float, ...]]:
        """Offsets (nm) of every copy of the cell that meets the outline (shapes reaching in from a
        neighbouring copy are included: each shape is drawn at every offset its bounding box needs)."""
        lengths, dim = self.microstructure.box.lengths, self.outline.dim
        lowest = [math.inf] * dim
        highest = [-math.inf] * dim
        for shape in self.microstructure.shapes:
            lo, hi = shape.bounding_box()
            for a in range(dim):
                lowest[a], highest[a] = min(lowest[a], lo[a]), max(highest[a], hi[a])
        ranges = []
        for a in range(dim):
            lo = min(lowest[a], 0.0) if math.isfinite(lowest[a]) else 0.0
            hi = max(highest[a], lengths[a]) if math.isfinite(highest[a]) else lengths[a]
            first = math.floor((0.0 - self.origin[a] - hi) / lengths[a])
            last = math.ceil((self.outline.lengths[a] - self.origin[a] - lo) / lengths[a])
            ranges.append([self.origin[a] + k * lengths[a] for k in range(first, last + 1)])
        offsets = [()]
        for values in ranges:
            offsets = [o + (v,) for o in offsets for v in values]
        return offsets

    def volume(self) -> float:
        """Volume of the notched specimen (nm^3; nm^2 in 2D)."""
        thickness = self.outline.lengths[2] if self.outline.dim == 3 else 1.0
        return self.outline.volume - thickness * sum(n.area() for n in self.notches)


def _from_spec(spec: Any, cls: type, what: str) -> Any:
    if isinstance(spec, cls):
        return spec
    if not isinstance(spec, Mapping):
        raise ValueError(f"{what} must be a table, got {spec!r}")
    try:
        return cls(**spec)
    except TypeError as exc:
        raise ValueError(f"{what} {dict(spec)}: {exc}") from exc


def _microstructure(spec: PeriodicGeometry | Mapping[str, Any]) -> PeriodicGeometry:
    if isinstance(spec, PeriodicGeometry):
        return spec
    from meshing import GEOMETRIES
    import inspect

    params = dict(spec)
    kind = params.pop("kind", None)
    if kind not in GEOMETRIES or kind in SPECIMEN_KINDS:
        allowed = sorted(k for k in GEOMETRIES if k not in SPECIMEN_KINDS)
        raise ValueError(f"[geometry] microstructure kind={kind!r} is not known; allowed: {allowed}")
    make = GEOMETRIES[kind]
    unknown = sorted(set(params) - set(inspect.signature(make).parameters))
    if unknown:
        raise ValueError(f"[geometry] microstructure kind='{kind}' has unknown keys {unknown}; "
                         f"allowed: {sorted(inspect.signature(make).parameters)}")
    return make(**params)


def specimen_geometry(
    outline: Sequence[float],
    microstructure: PeriodicGeometry | Mapping[str, Any],
    notches: Sequence[Notch | Mapping[str, Any]] = (),
    patches: Sequence[BoundaryPatch | Mapping[str, Any]] = (),
    origin: Sequence[float] = (),
) -> SpecimenGeometry:
    """A specimen of any outline, notches and patches (case-file kind ``"specimen"``).

    Parameters
    ----------
    outline : sequence of float
        ``[W, H]`` or ``[W, H, B]`` (nm).
    microstructure : PeriodicGeometry or mapping
        The cell, or a table ``{kind = "nacre", ...}`` of any periodic geometry kind.
    notches, patches : sequences of Notch / BoundaryPatch or tables of their parameters
    origin : sequence of float
        Where the cell's corner sits (nm); default the outline's corner.
    """
    return SpecimenGeometry(
        outline=Box(tuple(outline)),
        microstructure=_microstructure(microstructure),
        origin=tuple(origin),
        notches=tuple(_from_spec(n, Notch, "notch") for n in notches),
        patches=tuple(_from_spec(p, BoundaryPatch, "boundary patch") for p in patches),
    )


def single_edge_notched_tension(
    width: float,
    height: float,
    crack_length: float,
    microstructure: PeriodicGeometry | Mapping[str, Any],
    notch_width: float | None = None,
    thickness: float | None = None,
    origin: Sequence[float] = (),
    notch_face: str = "xmin",
) -> SpecimenGeometry:
    """Single-edge-notched tension (SENT): a notch from the middle of the ``notch_face`` face.

    ``notch_face = "xmin"`` (default): the notch runs along x1 from x1 = 0 at mid-height and the
    ``ymax`` face is pulled along x2 against the ``ymin`` face (x2 is the loading axis).
    ``notch_face = "ymin"``: the notch runs along x2 from x2 = 0 at mid-width and the ``xmax``
    face is pulled along x1 against the ``xmin`` face, e.g. a crack across the tablet rows of
    nacre (stacked along x2) with the tablets loaded along their length.

    Parameters
    ----------
    width : float
        Extent along x1 (nm): the ligament W for ``notch_face = "xmin"``, the grip distance for ``"ymin"``.
    height : float
        Extent along x2 (nm): the grip distance for ``"xmin"``, the ligament W for ``"ymin"``.
    crack_length : float
        Notch depth a (nm), 0 < a < W.
    microstructure : PeriodicGeometry or mapping
    notch_width : float, optional
        Slot width (nm); default a / 20.
    thickness : float, optional
        B along x3 for a 3D specimen (nm); 2D when omitted.
    origin : sequence of float
    notch_face : {"xmin", "ymin"}
        The face the notch is cut from.
    """
    check_positive("crack_length", crack_length)
    if notch_face not in SENT_NOTCH_FACES:
        raise ValueError(f"notch_face={notch_face!r} is not allowed for single-edge-notched tension; allowed: "
                         f"{', '.join(SENT_NOTCH_FACES)}")
    outline = [width, height] + ([thickness] if thickness is not None else [])
    w = crack_length / 20 if notch_width is None else notch_width
    centre = height / 2 if notch_face == "xmin" else width / 2
    return specimen_geometry(outline, microstructure, notches=[Notch(notch_face, centre, crack_length, w)], origin=origin)


#: Faces a SENT notch may be cut from (the load axis is the other in-plane axis).
SENT_NOTCH_FACES = ("xmin", "ymin")


def three_point_bending(
    span: float,
    height: float,
    crack_length: float,
    microstructure: PeriodicGeometry | Mapping[str, Any],
    overhang: float | None = None,
    notch_width: float | None = None,
    contact_width: float | None = None,
    thickness: float | None = None,
    origin: Sequence[float] = (),
) -> SpecimenGeometry:
    """Single-edge-notched three-point bending (SENB): a notch from the x2 = 0 face at mid-span.

    Boundary patches: ``load`` (top, mid-span), ``support_left`` and ``support_right`` (bottom,
    at the span ends), each ``contact_width`` wide.

    Parameters
    ----------
    span : float
        S, the distance between the supports (nm).
    height : float
        W, the specimen depth along x2 (nm).
    crack_length : float
        Notch depth a (nm), 0 < a < W.
    microstructure : PeriodicGeometry or mapping
    overhang : float, optional
        Length beyond each support (nm); default height / 4.
    notch_width : float, optional
        Slot width (nm); default a / 20.
    contact_width : float, optional
        Width of the load and support patches (nm); default height / 10.
    thickness : float, optional
        B along x3 for a 3D specimen (nm).
    origin : sequence of float
    """
    for name, value in (("span", span), ("height", height), ("crack_length", crack_length)):
        check_positive(name, value)
    overhang = height / 4 if overhang is None else overhang
    contact = height / 10 if contact_width is None else contact_width
    check_positive("overhang", overhang)
    check_positive("contact_width", contact)
    if contact / 2 > overhang:
        raise ValueError(f"contact_width={contact} nm needs an overhang of at least half of it (overhang={overhang} nm)")
    length = span + 2 * overhang
    outline = [length, height] + ([thickness] if thickness is not None else [])
    middle = length / 2
    patches = [
        BoundaryPatch("load", "ymax", middle - contact / 2, middle + contact / 2),
        BoundaryPatch("support_left", "ymin", overhang - contact / 2, overhang + contact / 2),
        BoundaryPatch("support_right", "ymin", length - overhang - contact / 2, length - overhang + contact / 2),
    ]
    w = crack_length / 20 if notch_width is None else notch_width
    return specimen_geometry(outline, microstructure, notches=[Notch("ymin", middle, crack_length, w)], patches=patches,
                             origin=origin)


#: Case-file kinds that build specimens.
SPECIMEN_KINDS = ("specimen", "single_edge_notched_tension", "three_point_bending")
