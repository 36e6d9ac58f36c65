//! The layout: each machine laid out top to bottom by `layered` (a layered, Sugiyama layout), its
//! Parallel and Map states sized first from their own machines' layouts, laid side by side inside
//! them (recursively, to any depth). Coordinates are absolute, in SVG user units.

use crate::labels;
use crate::layered;
use crate::model::{self, EdgeKind, Machine};

/// Line heights of a state name and of its type label.
pub(crate) const LINE: f64 = 16.0;
pub(crate) const TYPE_LINE: f64 = 14.0;
/// Padding inside a state box (top and sides).
pub(crate) const PAD: f64 = 10.0;
/// Space around the branches inside a Parallel or Map box, and between branches.
const INSET: f64 = 12.0;
const BRANCH_GAP: f64 = 16.0;
/// The widest a state's name line may be (in characters), and how many lines it may take.
const NAME_CHARS: usize = 30;
const NAME_LINES: usize = 2;
const MIN_WIDTH: f64 = 120.0;
/// How far a Choice's pointed sides reach in.
pub(crate) const CHOICE_NOTCH: f64 = 14.0;
/// The radius of the start and end markers.
pub(crate) const MARKER_RADIUS: f64 = 11.0;
/// Height of an edge label's pill.
pub(crate) const LABEL_HEIGHT: f64 = 18.0;
/// Margin around the drawing, and the size of an empty machine's box.
const MARGIN: f64 = 12.0;
const EMPTY: (f64, f64) = (80.0, 36.0);

/// A rectangle: its top-left corner and its size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    /// Whether `other` lies inside this rectangle (borders may touch).
    pub fn contains(&self, other: &Rect) -> bool {
        const EPS: f64 = 0.01;
        other.x >= self.x - EPS
            && other.y >= self.y - EPS
            && other.x + other.width <= self.x + self.width + EPS
            && other.y + other.height <= self.y + self.height + EPS
    }

    /// Whether the two rectangles share some area (touching borders do not count).
    pub fn overlaps(&self, other: &Rect) -> bool {
        const EPS: f64 = 0.01;
        self.x + self.width > other.x + EPS
            && other.x + other.width > self.x + EPS
            && self.y + self.height > other.y + EPS
            && other.y + other.height > self.y + EPS
    }

    fn shift(&mut self, dx: f64, dy: f64) {
        self.x += dx;
        self.y += dy;
    }
}

/// The laid-out drawing: its size and its top-level machine.
#[derive(Debug, Clone)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub root: Cluster,
}

/// One laid-out machine: the top level, or a branch drawn as a sub-box of its state.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub rect: Rect,
    pub states: Vec<StateBox>,
    pub edges: Vec<EdgePath>,
    /// The start and end markers (top level only): kind `Start` or `End`, centre.
    pub markers: Vec<(EdgeKind, f64, f64)>,
}

/// One state's box; a Parallel or Map state also holds its branches' clusters.
#[derive(Debug, Clone)]
pub struct StateBox {
    pub name: String,
    /// The `Type` as written.
    pub kind: String,
    pub rect: Rect,
    /// The name as drawn: wrapped, the last line ellipsised if it did not fit.
    pub lines: Vec<String>,
    pub branches: Vec<Cluster>,
}

/// One edge: its ends (state names; empty for a marker), its points, its label.
#[derive(Debug, Clone)]
pub struct EdgePath {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    /// The short label, the full text, and where the label's centre is.
    pub label: Option<(String, String, f64, f64)>,
    pub points: Vec<(f64, f64)>,
}

/// Lays out a whole definition.
pub fn layout(definition: &serde_json::Value) -> Layout {
    let machine = model::machine(definition);
    let mut root = lay_out(&machine, true);
    root.shift(MARGIN - root.rect.x, MARGIN - root.rect.y);
    Layout { width: root.rect.width + 2.0 * MARGIN, height: root.rect.height + 2.0 * MARGIN, root }
}

impl Cluster {
    fn shift(&mut self, dx: f64, dy: f64) {
        self.rect.shift(dx, dy);
        for state in &mut self.states {
            state.rect.shift(dx, dy);
            for branch in &mut state.branches {
                branch.shift(dx, dy);
            }
        }
        for edge in &mut self.edges {
            for point in &mut edge.points {
                point.0 += dx;
                point.1 += dy;
            }
            if let Some(label) = &mut edge.label {
                label.2 += dx;
                label.3 += dy;
            }
        }
        for marker in &mut self.markers {
            marker.1 += dx;
            marker.2 += dy;
        }
    }
}

/// The height of a state's header: its name lines and its type label.
pub(crate) fn header_height(lines: usize) -> f64 {
    PAD + lines as f64 * LINE + TYPE_LINE + 6.0
}

/// A state's box sized (at the origin), its branches laid out inside it.
fn size_state(state: &model::State) -> StateBox {
    let lines = labels::wrap(&state.name, NAME_CHARS, NAME_LINES);
    let longest = lines.iter().map(|l| labels::text_width(l)).fold(labels::text_width(&state.kind) * 0.75, f64::max);
    // A Choice's pointed sides take room from its text.
    let sides = if state.kind == "Choice" && state.children.is_empty() { 2.0 * CHOICE_NOTCH } else { 0.0 };
    let text_width = (longest * 1.06 + 2.0 * PAD + 12.0 + sides).max(MIN_WIDTH);
    let header = header_height(lines.len());
    let mut branches: Vec<Cluster> = state.children.iter().map(|m| lay_out(m, false)).collect();
    let (width, height) = if branches.is_empty() {
        (text_width, header)
    } else {
        let mut x = INSET;
        let mut tallest: f64 = 0.0;
        for branch in &mut branches {
            branch.shift(x - branch.rect.x, header - branch.rect.y);
            x += branch.rect.width + BRANCH_GAP;
            tallest = tallest.max(branch.rect.height);
        }
        let inner = x - BRANCH_GAP + INSET;
        // A header wider than the branches: centre them.
        if text_width > inner {
            let dx = (text_width - inner) / 2.0;
            branches.iter_mut().for_each(|b| b.shift(dx, 0.0));
        }
        (text_width.max(inner), header + tallest + INSET)
    };
    let rect = Rect { x: 0.0, y: 0.0, width, height };
    StateBox { name: state.name.clone(), kind: state.kind.clone(), rect, lines, branches }
}

/// An edge label: the short text drawn and the full text.
type Label = (String, String);

/// A machine laid out by the layered layout, its rectangle from its content.
fn lay_out(machine: &Machine, top: bool) -> Cluster {
    let mut boxes: Vec<StateBox> = machine.states.iter().map(size_state).collect();
    let marker = 2.0 * MARKER_RADIUS;
    // Layout nodes: the start marker first (so the ordering starts from it), the states, the end marker.
    let mut sizes: Vec<(f64, f64)> = Vec::with_capacity(boxes.len() + 2);
    let start = (top && machine.start.is_some()).then(|| {
        sizes.push((marker, marker));
        0
    });
    let first_state = sizes.len();
    sizes.extend(boxes.iter().map(|b| (b.rect.width, b.rect.height)));
    let end = (top && machine.states.iter().any(|s| s.end)).then(|| {
        sizes.push((marker, marker));
        sizes.len() - 1
    });
    let mut edges: Vec<(layered::EdgeIn, EdgeKind, Option<Label>)> = Vec::new();
    let mut add = |from: usize, to: usize, kind: EdgeKind, label: Option<Label>| {
        let size = label.as_ref().map(|(short, _)| (label_width(short), LABEL_HEIGHT));
        edges.push((layered::EdgeIn { from, to, label: size }, kind, label));
    };
    if let (Some(start), Some(target)) = (start, machine.start) {
        add(start, first_state + target, EdgeKind::Start, None);
    }
    for (i, state) in machine.states.iter().enumerate() {
        for t in &state.transitions {
            add(first_state + i, first_state + t.to, t.kind, t.label.clone());
        }
        if let (Some(end), true) = (end, state.end) {
            add(first_state + i, end, EdgeKind::End, None);
        }
    }
    let input: Vec<layered::EdgeIn> = edges.iter().map(|(e, _, _)| e.clone()).collect();
    let placed = layered::layout(&sizes, &input, end);

    for (i, b) in boxes.iter_mut().enumerate() {
        let (cx, cy) = placed.centres[first_state + i];
        let (dx, dy) = (cx - b.rect.width / 2.0, cy - b.rect.height / 2.0);
        b.rect.shift(dx, dy);
        b.branches.iter_mut().for_each(|c| c.shift(dx, dy));
    }
    let mut markers = Vec::new();
    for (node, kind) in [(start, EdgeKind::Start), (end, EdgeKind::End)] {
        if let Some(node) = node {
            markers.push((kind, placed.centres[node].0, placed.centres[node].1));
        }
    }
    let name = |node: usize| {
        node.checked_sub(first_state).and_then(|i| boxes.get(i)).map_or(String::new(), |b| b.name.clone())
    };
    let mut paths = Vec::new();
    for (k, (e, kind, label)) in edges.iter().enumerate() {
        let points = placed.paths[k].clone();
        if points.len() < 2 {
            continue;
        }
        let label = label.as_ref().map(|(short, full)| {
            let (x, y) = placed.labels[k].unwrap_or(points[points.len() / 2]);
            (short.clone(), full.clone(), x, y)
        });
        paths.push(EdgePath { from: name(e.from), to: name(e.to), kind: *kind, label, points });
    }
    let (width, height) = if boxes.is_empty() { EMPTY } else { (placed.width, placed.height) };
    let rect = Rect { x: 0.0, y: 0.0, width, height };
    let mut cluster = Cluster { rect, states: boxes, edges: paths, markers };
    cluster.fit();
    cluster
}

/// The width of an edge label's pill.
pub(crate) fn label_width(short: &str) -> f64 {
    // 11px regular against the 13px bold that `text_width` estimates.
    labels::text_width(short) * 0.86 + 12.0
}

impl Cluster {
    /// Grows the rectangle to hold everything drawn in it, with a small inset, starting at its
    /// content (dagre's reported size can miss edge bends and labels).
    fn fit(&mut self) {
        let mut min = (f64::INFINITY, f64::INFINITY);
        let mut max = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        let mut take = |x: f64, y: f64| {
            min = (min.0.min(x), min.1.min(y));
            max = (max.0.max(x), max.1.max(y));
        };
        for s in &self.states {
            take(s.rect.x, s.rect.y);
            take(s.rect.x + s.rect.width, s.rect.y + s.rect.height);
        }
        for e in &self.edges {
            e.points.iter().for_each(|&(x, y)| take(x, y));
            if let Some((short, _, x, y)) = &e.label {
                let half = label_width(short) / 2.0;
                take(x - half, y - LABEL_HEIGHT / 2.0);
                take(x + half, y + LABEL_HEIGHT / 2.0);
            }
        }
        for &(_, x, y) in &self.markers {
            take(x - MARKER_RADIUS, y - MARKER_RADIUS);
            take(x + MARKER_RADIUS, y + MARKER_RADIUS);
        }
        if !min.0.is_finite() || !max.0.is_finite() {
            return;
        }
        let inset = INSET;
        self.rect = Rect {
            x: min.0 - inset,
            y: min.1 - inset,
            width: (max.0 - min.0) + 2.0 * inset,
            height: (max.1 - min.1) + 2.0 * inset,
        };
    }
}
