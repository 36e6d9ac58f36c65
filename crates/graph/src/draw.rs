//! The SVG markup of a layout: state boxes (nested for Parallel and Map), edges with arrowheads
//! and labels, start and end markers, and the embedded style with the status colours, so that a
//! downloaded drawing looks the same as on the page. Every text is escaped.

use crate::model::EdgeKind;
use crate::place::{self, Cluster, EdgePath, Layout, StateBox, LABEL_HEIGHT};
use crate::{Overlay, Status};
use std::fmt::Write;

/// The id of the arrowhead marker (one per document is enough: every drawing defines the same).
const ARROW: &str = "stepstone-graph-arrow";

/// The colours of the statuses, after AWS's console: fill and border of each. The rules are
/// scoped to `svg.graph` and use the `>` combinator, so nested states keep their own colour; a
/// page may override them through the `--graph-*` variables or its own rules.
const STYLE: &str = "\
svg.graph{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif}\
svg.graph .box{fill:var(--graph-not-started,#ffffff);stroke:var(--graph-not-started-border,#7d8998);stroke-width:1.5}\
svg.graph .state-in-progress>.box{fill:var(--graph-in-progress,#d1e8ff);stroke:var(--graph-in-progress-border,#0972d3)}\
svg.graph .state-succeeded>.box{fill:var(--graph-succeeded,#d7f5d9);stroke:var(--graph-succeeded-border,#1d8102)}\
svg.graph .state-failed>.box{fill:var(--graph-failed,#fddbd7);stroke:var(--graph-failed-border,#d13212)}\
svg.graph .state-caught-error>.box{fill:var(--graph-caught-error,#ffe3c7);stroke:var(--graph-caught-error-border,#ec7211)}\
svg.graph .state-aborted>.box{fill:var(--graph-aborted,#e3e6e9);stroke:var(--graph-aborted-border,#5f6b7a)}\
svg.graph .state-in-progress>.box{stroke-width:2.5}\
svg.graph .branch{fill:var(--graph-branch,#f4f5f7);stroke:var(--graph-branch-border,#a6b0bb);stroke-dasharray:4 3}\
svg.graph .name{font-size:13px;font-weight:600;fill:#16191f}\
svg.graph .type{font-size:10.5px;fill:#4b5563;letter-spacing:.02em}\
svg.graph .edge path{fill:none;stroke:var(--graph-edge,#8a96a3);stroke-width:1.5}\
svg.graph .edge-catch path{stroke:var(--graph-catch,#ec7211);stroke-dasharray:5 4}\
svg.graph .edge .pill{fill:#ffffff;stroke:#c6ccd3}\
svg.graph .edge-catch .pill{stroke:var(--graph-catch,#ec7211)}\
svg.graph .edge text{font-size:11px;fill:#16191f}\
svg.graph .marker{fill:var(--graph-edge,#8a96a3)}\
svg.graph .marker-end{fill:#ffffff;stroke:var(--graph-edge,#8a96a3);stroke-width:4}\
svg.graph .arrow{fill:var(--graph-edge,#8a96a3)}\
svg.graph .state{cursor:pointer}";

/// The whole drawing.
pub(crate) fn document(layout: &Layout, overlay: &Overlay) -> String {
    let mut out = String::with_capacity(4096 + layout.root.states.len() * 700);
    let (w, h) = (num(layout.width), num(layout.height));
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="group" aria-label="State machine graph"><style>{STYLE}</style><defs><marker id="{ARROW}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrow" d="M0,0 L10,5 L0,10 z"/></marker></defs>"#
    );
    cluster(&mut out, &layout.root, overlay);
    out.push_str("</svg>");
    out
}

/// A machine: its states (nested ones inside), then its edges and markers over them.
fn cluster(out: &mut String, c: &Cluster, overlay: &Overlay) {
    for s in &c.states {
        state(out, s, overlay);
    }
    for e in &c.edges {
        edge(out, e);
    }
    for &(kind, x, y) in &c.markers {
        let (class, title) = if kind == EdgeKind::Start { ("marker", "Start") } else { ("marker marker-end", "End") };
        let _ = write!(
            out,
            r#"<circle class="{class}" cx="{}" cy="{}" r="{}"><title>{title}</title></circle>"#,
            num(x),
            num(y),
            num(place::MARKER_RADIUS - if kind == EdgeKind::End { 2.0 } else { 0.0 })
        );
    }
}

fn state(out: &mut String, s: &StateBox, overlay: &Overlay) {
    let status = overlay.get(&s.name).copied().unwrap_or(Status::NotStarted);
    let name = escape(&s.name);
    let kind = escape(&s.kind);
    let _ = write!(
        out,
        r#"<g class="state state-{} type-{}" data-state="{name}"><title>{name}{}{kind}{}</title>"#,
        status.class(),
        type_class(&s.kind),
        if s.kind.is_empty() { "" } else { " (" },
        if s.kind.is_empty() { "" } else { ")" },
    );
    let r = &s.rect;
    let (x, y, w, h) = (num(r.x), num(r.y), num(r.width), num(r.height));
    if s.kind == "Choice" && s.branches.is_empty() {
        let notch = (r.height / 2.0).min(place::CHOICE_NOTCH);
        let _ = write!(
            out,
            r#"<polygon class="box" points="{},{y} {},{y} {},{} {},{} {},{} {x},{}"/>"#,
            num(r.x + notch),
            num(r.x + r.width - notch),
            num(r.x + r.width),
            num(r.y + r.height / 2.0),
            num(r.x + r.width - notch),
            num(r.y + r.height),
            num(r.x + notch),
            num(r.y + r.height),
            num(r.y + r.height / 2.0),
        );
    } else {
        let radius = if s.branches.is_empty() { 8 } else { 10 };
        let _ = write!(out, r#"<rect class="box" x="{x}" y="{y}" width="{w}" height="{h}" rx="{radius}"/>"#);
    }
    let cx = num(r.x + r.width / 2.0);
    let mut line_y = r.y + place::PAD + place::LINE * 0.8;
    for line in &s.lines {
        let _ = write!(
            out,
            r#"<text class="name" x="{cx}" y="{}" text-anchor="middle">{}</text>"#,
            num(line_y),
            escape(line)
        );
        line_y += place::LINE;
    }
    if !s.kind.is_empty() {
        let _ = write!(out, r#"<text class="type" x="{cx}" y="{}" text-anchor="middle">{kind}</text>"#, num(line_y));
    }
    for (i, branch) in s.branches.iter().enumerate() {
        let b = &branch.rect;
        let _ = write!(
            out,
            r#"<g class="branch-box" data-branch="{i}"><rect class="branch" x="{}" y="{}" width="{}" height="{}" rx="8"/>"#,
            num(b.x),
            num(b.y),
            num(b.width),
            num(b.height)
        );
        cluster(out, branch, overlay);
        out.push_str("</g>");
    }
    out.push_str("</g>");
}

fn edge(out: &mut String, e: &EdgePath) {
    let _ = write!(
        out,
        r#"<g class="edge edge-{}" data-from="{}" data-to="{}"><path d="{}" marker-end="url(#{ARROW})"/>"#,
        e.kind.class(),
        escape(&e.from),
        escape(&e.to),
        path(&e.points)
    );
    if let Some((short, full, x, y)) = &e.label {
        let width = place::label_width(short) - 2.0;
        let _ = write!(
            out,
            r#"<title>{}</title><rect class="pill" x="{}" y="{}" width="{}" height="{}" rx="9"/><text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            escape(full),
            num(x - width / 2.0),
            num(y - LABEL_HEIGHT / 2.0),
            num(width),
            num(LABEL_HEIGHT),
            num(*x),
            num(y + 4.0),
            escape(short)
        );
    }
    out.push_str("</g>");
}

/// A path through the layout's points: straight segments, each corner rounded.
fn path(points: &[(f64, f64)]) -> String {
    const RADIUS: f64 = 10.0;
    let mut d = String::new();
    let Some(&(x0, y0)) = points.first() else { return d };
    let _ = write!(d, "M{},{}", num(x0), num(y0));
    for i in 1..points.len() {
        let p = points[i];
        if let (Some(&a), Some(&b)) = (points.get(i - 1), points.get(i + 1)) {
            let (la, lb) = (distance(a, p), distance(p, b));
            let r = RADIUS.min(la / 2.0).min(lb / 2.0);
            if r > 0.5 {
                let before = (p.0 + (a.0 - p.0) * r / la, p.1 + (a.1 - p.1) * r / la);
                let after = (p.0 + (b.0 - p.0) * r / lb, p.1 + (b.1 - p.1) * r / lb);
                let _ = write!(
                    d,
                    " L{},{} Q{},{} {},{}",
                    num(before.0),
                    num(before.1),
                    num(p.0),
                    num(p.1),
                    num(after.0),
                    num(after.1)
                );
                continue;
            }
        }
        let _ = write!(d, " L{},{}", num(p.0), num(p.1));
    }
    d
}

fn distance(a: (f64, f64), b: (f64, f64)) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// The legend: one box per status, coloured as in the drawings.
pub(crate) fn legend() -> String {
    let entries = [
        (Status::NotStarted, "Not started"),
        (Status::InProgress, "In progress"),
        (Status::Succeeded, "Succeeded"),
        (Status::Failed, "Failed"),
        (Status::CaughtError, "Caught error"),
        (Status::Aborted, "Aborted"),
    ];
    let (box_w, gap) = (crate::labels::text_width("Caught error") + 20.0, 8.0);
    let width = entries.len() as f64 * (box_w + gap) - gap + 4.0;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="graph graph-legend" viewBox="0 0 {w} 30" width="{w}" height="30" role="img" aria-label="Status legend"><style>{STYLE}</style>"#,
        w = num(width)
    );
    for (i, (status, text)) in entries.into_iter().enumerate() {
        let x = 2.0 + i as f64 * (box_w + gap);
        let _ = write!(
            out,
            r#"<g class="state state-{}"><rect class="box" x="{}" y="3" width="{}" height="24" rx="6"/><text class="name" x="{}" y="19.5" text-anchor="middle">{text}</text></g>"#,
            status.class(),
            num(x),
            num(box_w),
            num(x + box_w / 2.0)
        );
    }
    out.push_str("</svg>");
    out
}

/// `type-<class>`: the state type lower-cased, anything but letters and digits as `-`.
fn type_class(kind: &str) -> String {
    let class: String =
        kind.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    if class.is_empty() {
        "unknown".into()
    } else {
        class
    }
}

/// A coordinate with at most one decimal.
fn num(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// Text made safe inside SVG text and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML does not allow.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
