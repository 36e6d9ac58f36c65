//! A layered (Sugiyama) layout, top to bottom: cycles broken by a depth-first search, ranks by
//! longest path (every edge at least two ranks long, so each passes a dummy node that keeps it
//! clear of boxes and carries its label), crossings reduced by barycenter sweeps (the best
//! ordering kept), x by repeated median alignment under the minimum separations, and edges
//! routed through their dummies. Written here rather than taken from `dagre` or `layout-rs`
//! because both took over 100 ms on a 100-state definition (BENCHMARKS.md); this takes well
//! under one. Self-loops are drawn as a loop on the node's right side.

/// Separation between boxes, between a box and an edge, between edges; the gap between ranks.
const NODE_SEP: f64 = 28.0;
const EDGE_SEP: f64 = 14.0;
const RANK_GAP: f64 = 14.0;
/// How far a self-loop reaches right of its box.
const LOOP: f64 = 22.0;
/// Ordering sweeps (each down then up).
const SWEEPS: usize = 8;
/// Alignment passes of the x coordinates.
const ALIGN_PASSES: usize = 8;

/// An edge to lay out: its ends (node indexes) and its label's size, if it has one.
#[derive(Debug, Clone)]
pub(crate) struct EdgeIn {
    pub from: usize,
    pub to: usize,
    pub label: Option<(f64, f64)>,
}

/// The result: each node's centre, each edge's points (from its source to its target) and its
/// label's centre, and the size of the whole.
#[derive(Debug, Default)]
pub(crate) struct Placed {
    pub centres: Vec<(f64, f64)>,
    pub paths: Vec<Vec<(f64, f64)>>,
    pub labels: Vec<Option<(f64, f64)>>,
    pub width: f64,
    pub height: f64,
}

/// A node of the layered graph: a real node (its index) or a dummy on an edge.
struct Node {
    real: Option<usize>,
    width: f64,
    height: f64,
    rank: usize,
}

/// Lays out nodes of the given sizes (width, height) and the edges between them; `bottom`, if
/// given, is a node put below all others (the end marker).
pub(crate) fn layout(sizes: &[(f64, f64)], edges: &[EdgeIn], bottom: Option<usize>) -> Placed {
    let n = sizes.len();
    let valid = |e: &EdgeIn| e.from < n && e.to < n;
    // Room on the right of nodes with self-loops (kept symmetric, so the box stays centred).
    let mut extra = vec![0.0_f64; n];
    for e in edges.iter().filter(|e| valid(e) && e.from == e.to) {
        let label = e.label.map_or(0.0, |l| l.0 + 4.0);
        extra[e.from] = extra[e.from].max(LOOP + label);
    }
    let reversed = break_cycles(n, edges);
    let mut ranks = rank(n, edges, &reversed);
    if let Some(bottom) = bottom.filter(|&b| b < n) {
        let lowest = (0..n).filter(|&v| v != bottom).map(|v| ranks[v] + 2).max().unwrap_or(0);
        ranks[bottom] = ranks[bottom].max(lowest);
    }

    let mut nodes: Vec<Node> = (0..n)
        .map(|i| Node { real: Some(i), width: sizes[i].0 + 2.0 * extra[i], height: sizes[i].1, rank: ranks[i] })
        .collect();
    // Each edge's chain of layered nodes, from its DAG source to its DAG target.
    let mut chains: Vec<Vec<usize>> = vec![Vec::new(); edges.len()];
    let mut label_node: Vec<Option<usize>> = vec![None; edges.len()];
    for (k, e) in edges.iter().enumerate() {
        if !valid(e) || e.from == e.to {
            continue;
        }
        let (a, b) = if reversed[k] { (e.to, e.from) } else { (e.from, e.to) };
        let mut chain = vec![a];
        for r in ranks[a] + 1..ranks[b] {
            // The label sits on the dummy next to the edge's own source.
            let carries = if reversed[k] { r + 1 == ranks[b] } else { r == ranks[a] + 1 };
            let (width, height) = if carries { e.label.unwrap_or((0.0, 0.0)) } else { (0.0, 0.0) };
            if carries && e.label.is_some() {
                label_node[k] = Some(nodes.len());
            }
            chain.push(nodes.len());
            nodes.push(Node { real: None, width, height, rank: r });
        }
        chain.push(b);
        chains[k] = chain;
    }
    let count = nodes.len();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); count];
    for chain in &chains {
        for pair in chain.windows(2) {
            succs[pair[0]].push(pair[1]);
            preds[pair[1]].push(pair[0]);
        }
    }
    let layers = order(&nodes, &succs, &preds);
    let xs = coordinates(&nodes, &layers, &succs, &preds);

    let rank_count = layers.len();
    let mut rank_height = vec![0.0_f64; rank_count];
    for node in &nodes {
        rank_height[node.rank] = rank_height[node.rank].max(node.height);
    }
    let mut rank_top = vec![0.0_f64; rank_count];
    let mut y = 0.0;
    for r in 0..rank_count {
        rank_top[r] = y;
        y += rank_height[r] + RANK_GAP;
    }
    let centre = |i: usize| (xs[i], rank_top[nodes[i].rank] + rank_height[nodes[i].rank] / 2.0);
    let width = nodes.iter().enumerate().map(|(i, node)| xs[i] + node.width / 2.0).fold(0.0, f64::max);
    let height = (y - RANK_GAP).max(0.0);

    let centres: Vec<(f64, f64)> = (0..n).map(centre).collect();
    let mut paths = Vec::with_capacity(edges.len());
    let mut labels = Vec::with_capacity(edges.len());
    for (k, e) in edges.iter().enumerate() {
        if !valid(e) {
            paths.push(Vec::new());
            labels.push(None);
        } else if e.from == e.to {
            let (cx, cy) = centres[e.from];
            let (w, h) = sizes[e.from];
            let right = cx + w / 2.0;
            paths.push(vec![
                (right, cy - h / 4.0),
                (right + LOOP, cy - h / 4.0),
                (right + LOOP, cy + h / 4.0),
                (right, cy + h / 4.0),
            ]);
            labels.push(e.label.map(|(lw, _)| (right + LOOP + 4.0 + lw / 2.0, cy)));
        } else {
            // Through each dummy's rank straight down (boxes live in ranks, and dummies are kept
            // apart from them), bending only in the gaps between ranks.
            let mut points: Vec<(f64, f64)> = Vec::with_capacity(2 * chains[k].len());
            for &i in &chains[k] {
                if nodes[i].real.is_some() {
                    points.push(centre(i));
                } else {
                    let r = nodes[i].rank;
                    points.push((xs[i], rank_top[r]));
                    points.push((xs[i], rank_top[r] + rank_height[r]));
                }
            }
            if reversed[k] {
                points.reverse();
            }
            let last = points.len() - 1;
            points[0] = port(points[0], sizes[e.from], points[1]);
            points[last] = port(points[last], sizes[e.to], points[last - 1]);
            // Straight out of the ends' ranks (a neighbour may be taller than the box).
            let edge_of_rank = |node: usize, towards: f64, at: (f64, f64)| {
                let r = nodes[node].rank;
                (at.0, if towards > at.1 { rank_top[r] + rank_height[r] } else { rank_top[r] })
            };
            let leave = edge_of_rank(e.from, points[1].1, points[0]);
            let enter = edge_of_rank(e.to, points[last - 1].1, points[last]);
            points.insert(last, enter);
            points.insert(1, leave);
            paths.push(simplify(points));
            labels.push(label_node[k].map(centre));
        }
    }
    Placed { centres, paths, labels, width, height }
}

/// Marks the edges to reverse so that the graph has no cycle: those closing a cycle in a
/// depth-first search from each node in turn (iterative, so deep graphs cannot overflow).
fn break_cycles(n: usize, edges: &[EdgeIn]) -> Vec<bool> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, e) in edges.iter().enumerate() {
        if e.from < n && e.to < n && e.from != e.to {
            out[e.from].push(k);
        }
    }
    let mut reversed = vec![false; edges.len()];
    let mut state = vec![0_u8; n]; // 0 new, 1 on the stack, 2 done
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        let mut stack = vec![(root, 0_usize)];
        while let Some(top) = stack.last_mut() {
            let (v, i) = *top;
            if let Some(&k) = out[v].get(i) {
                top.1 += 1;
                let w = edges[k].to;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => reversed[k] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    reversed
}

/// Ranks by longest path from the sources, each edge spanning at least two ranks; a source is
/// then pulled down next to its nearest successor.
fn rank(n: usize, edges: &[EdgeIn], reversed: &[bool]) -> Vec<usize> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indegree = vec![0_usize; n];
    for (k, e) in edges.iter().enumerate() {
        if e.from < n && e.to < n && e.from != e.to {
            let (a, b) = if reversed[k] { (e.to, e.from) } else { (e.from, e.to) };
            out[a].push(b);
            indegree[b] += 1;
        }
    }
    let sources: Vec<bool> = indegree.iter().map(|&d| d == 0).collect();
    let mut ranks = vec![0_usize; n];
    let mut queue: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    let mut topo = Vec::with_capacity(n);
    while let Some(v) = queue.pop() {
        topo.push(v);
        for &w in &out[v] {
            ranks[w] = ranks[w].max(ranks[v] + 2);
            indegree[w] -= 1;
            if indegree[w] == 0 {
                queue.push(w);
            }
        }
    }
    for &v in topo.iter().rev() {
        if sources[v] {
            if let Some(nearest) = out[v].iter().map(|&w| ranks[w]).min() {
                ranks[v] = nearest.saturating_sub(2);
            }
        }
    }
    ranks
}

/// The nodes of each rank in order: a depth-first first ordering, then barycenter sweeps down and
/// up, keeping the ordering with the fewest crossings.
fn order(nodes: &[Node], succs: &[Vec<usize>], preds: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let rank_count = nodes.iter().map(|n| n.rank + 1).max().unwrap_or(0);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); rank_count];
    let mut seen = vec![false; nodes.len()];
    // Roots first in their given order (real nodes come before dummies), then along successors.
    for root in 0..nodes.len() {
        if seen[root] || !preds[root].is_empty() && nodes[root].real.is_none() {
            continue;
        }
        let mut stack = vec![root];
        while let Some(v) = stack.pop() {
            if seen[v] {
                continue;
            }
            seen[v] = true;
            layers[nodes[v].rank].push(v);
            stack.extend(succs[v].iter().rev().filter(|&&w| !seen[w]));
        }
    }
    for (v, node) in nodes.iter().enumerate() {
        if !seen[v] {
            layers[node.rank].push(v);
        }
    }
    let mut pos = vec![0.0_f64; nodes.len()];
    let index = |layers: &[Vec<usize>], pos: &mut [f64]| {
        for layer in layers {
            for (i, &v) in layer.iter().enumerate() {
                pos[v] = i as f64;
            }
        }
    };
    index(&layers, &mut pos);
    let mut best = layers.clone();
    let mut best_crossings = crossings(&layers, succs, &pos);
    for _ in 0..SWEEPS {
        if best_crossings == 0 {
            break;
        }
        for layer in layers.iter_mut().skip(1) {
            sort_layer(layer, preds, &mut pos);
        }
        for r in (0..rank_count.saturating_sub(1)).rev() {
            sort_layer(&mut layers[r], succs, &mut pos);
        }
        let now = crossings(&layers, succs, &pos);
        if now < best_crossings {
            best_crossings = now;
            best = layers.clone();
        }
    }
    best
}

/// Sorts a layer by the mean position of each node's neighbours in the adjacent layer (a node
/// with none keeps its place), then renumbers it.
fn sort_layer(layer: &mut [usize], neighbours: &[Vec<usize>], pos: &mut [f64]) {
    let mut keyed: Vec<(f64, usize)> = layer
        .iter()
        .map(|&v| {
            let around = &neighbours[v];
            let key = if around.is_empty() {
                pos[v]
            } else {
                around.iter().map(|&w| pos[w]).sum::<f64>() / around.len() as f64
            };
            (key, v)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (i, (_, v)) in keyed.into_iter().enumerate() {
        layer[i] = v;
        pos[v] = i as f64;
    }
}

/// Edge crossings between consecutive layers: for each layer, its segments sorted by their
/// upper end, the inversions among their lower ends counted with a Fenwick tree.
fn crossings(layers: &[Vec<usize>], succs: &[Vec<usize>], pos: &[f64]) -> usize {
    let mut total = 0;
    let mut segments: Vec<(usize, usize)> = Vec::new();
    let mut tree: Vec<usize> = Vec::new();
    for (r, layer) in layers.iter().enumerate() {
        let below = layers.get(r + 1).map_or(0, Vec::len);
        if below == 0 {
            continue;
        }
        segments.clear();
        for &v in layer {
            segments.extend(succs[v].iter().map(|&w| (pos[v] as usize, pos[w] as usize)));
        }
        segments.sort_unstable();
        tree.clear();
        tree.resize(below + 1, 0);
        for (seen, &(_, lower)) in segments.iter().enumerate() {
            // Segments already counted whose lower end is at or left of this one's.
            let mut at_or_left = 0;
            let mut i = lower.min(below - 1) + 1;
            while i > 0 {
                at_or_left += tree[i];
                i -= i & i.wrapping_neg();
            }
            total += seen - at_or_left;
            let mut i = lower.min(below - 1) + 1;
            while i <= below {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}

/// The x centre of every node: packed left to right, then moved towards the median of their
/// neighbours, alternately above and below, never closer to a neighbour in the layer than the
/// separation allows.
fn coordinates(nodes: &[Node], layers: &[Vec<usize>], succs: &[Vec<usize>], preds: &[Vec<usize>]) -> Vec<f64> {
    let gap = |a: usize, b: usize| {
        let sep = match (nodes[a].real.is_some(), nodes[b].real.is_some()) {
            (true, true) => NODE_SEP,
            (false, false) => EDGE_SEP,
            _ => (NODE_SEP + EDGE_SEP) / 2.0,
        };
        (nodes[a].width + nodes[b].width) / 2.0 + sep
    };
    let mut x = vec![0.0_f64; nodes.len()];
    for layer in layers {
        for i in 1..layer.len() {
            x[layer[i]] = x[layer[i - 1]] + gap(layer[i - 1], layer[i]);
        }
    }
    let mut desired: Vec<f64> = Vec::new();
    let mut left: Vec<f64> = Vec::new();
    for pass in 0..ALIGN_PASSES {
        let down = pass % 2 == 0;
        let neighbours = if down { preds } else { succs };
        let ranks: Vec<usize> = if down { (0..layers.len()).collect() } else { (0..layers.len()).rev().collect() };
        for r in ranks {
            let layer = &layers[r];
            if layer.is_empty() {
                continue;
            }
            desired.clear();
            desired.extend(layer.iter().map(|&v| median(&neighbours[v], &x).unwrap_or(x[v])));
            left.clear();
            left.push(desired[0]);
            for i in 1..layer.len() {
                left.push(desired[i].max(left[i - 1] + gap(layer[i - 1], layer[i])));
            }
            let mut right = desired[layer.len() - 1];
            for i in (0..layer.len()).rev() {
                if i + 1 < layer.len() {
                    right = desired[i].min(right - gap(layer[i], layer[i + 1]));
                }
                x[layer[i]] = (left[i] + right) / 2.0;
            }
        }
    }
    let min = nodes.iter().enumerate().map(|(i, n)| x[i] - n.width / 2.0).fold(f64::INFINITY, f64::min);
    if min.is_finite() {
        x.iter_mut().for_each(|v| *v -= min);
    }
    x
}

/// The points without those on a straight line between their neighbours (a long edge's dummies
/// in a column).
fn simplify(points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let mut kept: Vec<(f64, f64)> = Vec::with_capacity(points.len());
    for (i, &p) in points.iter().enumerate() {
        if let (Some(&a), Some(&b)) = (kept.last(), points.get(i + 1)) {
            let cross = (p.0 - a.0) * (b.1 - a.1) - (p.1 - a.1) * (b.0 - a.0);
            let length = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt().max(1.0);
            if cross.abs() / length < 0.5 {
                continue;
            }
        }
        kept.push(p);
    }
    kept
}

fn median(around: &[usize], x: &[f64]) -> Option<f64> {
    match *around {
        [] => return None,
        [a] => return Some(x[a]),
        [a, b] => return Some((x[a] + x[b]) / 2.0),
        _ => {}
    }
    let mut values: Vec<f64> = around.iter().map(|&w| x[w]).collect();
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 })
}

/// Where an edge leaves or enters a box towards `to`: on its bottom side when `to` is below,
/// else on its top, near the middle (within 60% of the half width).
fn port(centre: (f64, f64), size: (f64, f64), to: (f64, f64)) -> (f64, f64) {
    let (hw, hh) = (size.0 / 2.0, size.1 / 2.0);
    let reach = hw * 0.6;
    let x = to.0.clamp(centre.0 - reach, centre.0 + reach);
    let y = if to.1 >= centre.1 { centre.1 + hh } else { centre.1 - hh };
    (x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossings_are_counted_between_layers() {
        // Layer 0: a b c; layer 1: x y z. a->z, b->y, c->x cross three times; a->x and
        // a->y share an end and do not cross.
        let layers = vec![vec![0, 1, 2], vec![3, 4, 5]];
        let pos = [0.0, 1.0, 2.0, 0.0, 1.0, 2.0];
        let mut succs = vec![vec![5], vec![4], vec![3], vec![], vec![], vec![]];
        assert_eq!(crossings(&layers, &succs, &pos), 3);
        succs = vec![vec![3, 4], vec![], vec![], vec![], vec![], vec![]];
        assert_eq!(crossings(&layers, &succs, &pos), 0);
        succs = vec![vec![4], vec![3], vec![4], vec![], vec![], vec![]];
        assert_eq!(crossings(&layers, &succs, &pos), 1);
    }

    #[test]
    fn a_cycle_is_laid_out_downwards_with_its_back_edge_reversed() {
        let sizes = [(100.0, 40.0); 3];
        let edge = |from, to| EdgeIn { from, to, label: None };
        let placed = layout(&sizes, &[edge(0, 1), edge(1, 2), edge(2, 0), edge(1, 1)], None);
        let y: Vec<f64> = placed.centres.iter().map(|c| c.1).collect();
        assert!(y[0] < y[1] && y[1] < y[2], "{y:?}");
        // The back edge goes from 2 up to 0; the self-loop stays beside node 1.
        let back = &placed.paths[2];
        assert!(back.first().unwrap().1 > back.last().unwrap().1);
        assert!(placed.paths[3].iter().all(|p| p.0 >= placed.centres[1].0 + 50.0 - 0.01));
    }
}
