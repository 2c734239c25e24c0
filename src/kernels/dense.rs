//! SIMD kernels of the forward pass and backprop, generic over the path
//! `P` ([`Isa`]); the public functions in [`super`] run them on the active
//! path. Twins: [`super::reference`].

use crate::kernels::{reference, GROUP};
use crate::simd::{split_lens, split_parts, split_parts_mut, Isa, Vector, Vector8, LANES};

#[cfg_attr(target_arch = "x86_64", inline(always))]
fn axpy_body<V: Vector>(t: V::Token, y: &mut [f32], a: f32, x: &[f32]) {
    let av = V::splat(t, a);
    for (yc, xc) in y.chunks_exact_mut(V::LANES).zip(x.chunks_exact(V::LANES)) {
        V::load(t, xc).mul_add(av, V::load(t, yc)).store(yc);
    }
}

/// `y ← y + a x`. Twin: [`reference::axpy`].
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn axpy<P: Isa>(isa: P, y: &mut [f32], a: f32, x: &[f32]) {
    debug_assert_eq!(y.len(), x.len());
    if P::SCALAR {
        return reference::axpy(y, a, x);
    }
    let lens = split_lens::<P>(y.len());
    let [yw, y8, y4, yt] = split_parts_mut(y, lens);
    let [xw, x8, x4, xt] = split_parts(x, lens);
    axpy_body::<P::Wide>(isa.wide(), yw, a, xw);
    axpy_body::<P::Eight>(isa.eight(), y8, a, x8);
    axpy_body::<P::Four>(isa.four(), y4, a, x4);
    reference::axpy(yt, a, xt);
}

#[cfg_attr(target_arch = "x86_64", inline(always))]
fn dot_body<V: Vector>(t: V::Token, x: &[f32], y: &[f32]) -> f32 {
    let mut acc = V::zero(t);
    for (xc, yc) in x.chunks_exact(V::LANES).zip(y.chunks_exact(V::LANES)) {
        acc = V::load(t, xc).mul_add(V::load(t, yc), acc);
    }
    acc.reduce_add()
}

/// `Σ_i x_i y_i`. Twin: [`reference::dot`].
///
/// 8-lane vectors on every path, AVX-512's included: a 16-lane
/// accumulator would sum in another order, and the sum of every path with
/// fused multiply-adds is then the same number (`simd` module doc).
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn dot<P: Isa>(isa: P, x: &[f32], y: &[f32]) -> f32 {
    debug_assert_eq!(x.len(), y.len());
    if P::SCALAR {
        return reference::dot(x, y);
    }
    let n8 = x.len() / 8 * 8;
    let n4 = n8 + (x.len() - n8) / 4 * 4;
    dot_body::<P::Eight>(isa.eight(), &x[..n8], &y[..n8])
        + dot_body::<P::Four>(isa.four(), &x[n8..n4], &y[n8..n4])
        + reference::dot(&x[n4..], &y[n4..])
}

/// Logistic function in place, `z_i ← 1 / (1 + e^{−z_i})`. Twin:
/// [`reference::sigmoid`].
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn sigmoid<P: Isa>(isa: P, z: &mut [f32]) {
    if P::SCALAR {
        return reference::sigmoid(z);
    }
    let n = z.len();
    let wide = P::Wide::LANES;
    let use_wide = wide > LANES && n >= P::WIDE_FROM;
    if use_wide && !n.is_multiple_of(wide) {
        // The last vector's worth of values as one vector that overlaps the
        // last full one, computed from the inputs before the main loop
        // overwrites them and stored after it: the overlapping lanes get
        // the very values the main loop wrote. No scalar `expf` tail.
        let window = n - wide;
        let last = sigmoid_vector(P::Wide::load(isa.wide(), &z[window..]));
        sigmoid_body::<P::Wide>(isa.wide(), &mut z[..n / wide * wide]);
        last.store(&mut z[window..]);
        return;
    }
    if !use_wide && n > LANES && !n.is_multiple_of(LANES) {
        // The same in 8 lanes (the 10 outputs of an MNIST net would
        // otherwise end with two scalar `expf`).
        let window = n - LANES;
        let last = sigmoid_vector(P::Eight::load(isa.eight(), &z[window..]));
        sigmoid_body::<P::Eight>(isa.eight(), &mut z[..n / LANES * LANES]);
        last.store(&mut z[window..]);
        return;
    }
    let [zw, z8, z4, zt] = split_parts_mut(z, split_lens::<P>(n));
    sigmoid_body::<P::Wide>(isa.wide(), zw);
    sigmoid_body::<P::Eight>(isa.eight(), z8);
    sigmoid_body::<P::Four>(isa.four(), z4);
    reference::sigmoid(zt);
}

#[cfg_attr(target_arch = "x86_64", inline(always))]
fn sigmoid_vector<V: Vector>(z: V) -> V {
    // NaN stays NaN, so a diverged net stays visible.
    let x = z.clamp_keep_nan(-87.0, 87.0);
    let one = V::splat(z.token(), 1.0);
    one.div(one + (-x).exp_bounded())
}

#[cfg_attr(target_arch = "x86_64", inline(always))]
fn sigmoid_body<V: Vector>(t: V::Token, z: &mut [f32]) {
    for c in z.chunks_exact_mut(V::LANES) {
        sigmoid_vector(V::load(t, c)).store(c);
    }
}

/// Output delta `d_k ← (y_k − t_k) y_k (1 − y_k)`, subnormals flushed to
/// zero; returns `C = ½ Σ (y_k − t_k)²`. Twin: [`reference::output_delta`].
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn output_delta<P: Isa>(
    isa: P,
    y: &[f32],
    label: usize,
    offset: usize,
    d: &mut [f32],
) -> f32 {
    debug_assert_eq!(y.len(), d.len());
    if P::SCALAR {
        return reference::output_delta(y, label, offset, d);
    }
    let (y_head, y_tail) = y.as_chunks::<LANES>();
    let (d_head, d_tail) = d.as_chunks_mut::<LANES>();
    let one = P::Eight::splat(isa.eight(), 1.0);
    let mut loss = P::Eight::zero(isa.eight());
    for (c, (yc, dc)) in y_head.iter().zip(d_head.iter_mut()).enumerate() {
        let base = offset + c * LANES;
        let mut t = [0.0f32; LANES];
        if label >= base && label < base + LANES {
            t[label - base] = 1.0;
        }
        let yv = P::Eight::from_array(isa.eight(), *yc);
        let err = yv - P::Eight::from_array(isa.eight(), t);
        *dc = (err * yv * (one - yv)).flush_subnormal().to_array();
        loss = (err * err).mul_add(P::Eight::splat(isa.eight(), 0.5), loss);
    }
    let done = y_head.len() * LANES;
    loss.reduce_add() + reference::output_delta(y_tail, label, offset + done, d_tail)
}

/// Hidden delta `e_i ← h_i (1 − h_i) Σ_k w_ik d_k`, overwriting `e`,
/// subnormals flushed to zero. Twin: [`reference::hidden_delta`].
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn hidden_delta<P: Isa>(
    isa: P,
    h: &[f32],
    w_next: &[f32],
    d_next: &[f32],
    e: &mut [f32],
) {
    if P::SCALAR {
        return reference::hidden_delta(h, w_next, d_next, e);
    }
    let n_next = d_next.len();
    debug_assert_eq!(w_next.len(), h.len() * n_next);
    // Each e_i is a dot product of a contiguous row of w_next with d_next.
    for (i, (&hi, ei)) in h.iter().zip(e.iter_mut()).enumerate() {
        let back = dot::<P>(isa, &w_next[i * n_next..(i + 1) * n_next], d_next);
        *ei = hi * (1.0 - hi) * back;
    }
    flush_subnormals::<P>(isa, e);
}

#[cfg_attr(target_arch = "x86_64", inline(always))]
fn flush_body<V: Vector>(t: V::Token, x: &mut [f32]) {
    for c in x.chunks_exact_mut(V::LANES) {
        V::load(t, c).flush_subnormal().store(c);
    }
}

/// Subnormal values of `x` set to `+0` ([`reference::flush_subnormal`]).
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn flush_subnormals<P: Isa>(isa: P, x: &mut [f32]) {
    let lens = split_lens::<P>(x.len());
    let [xw, x8, x4, xt] = split_parts_mut(x, lens);
    flush_body::<P::Wide>(isa.wide(), xw);
    flush_body::<P::Eight>(isa.eight(), x8);
    flush_body::<P::Four>(isa.four(), x4);
    for v in xt {
        *v = reference::flush_subnormal(*v);
    }
}

/// `BLOCKS` vectors of columns `c0..` summed over the selected rows.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn forward_block<V: Vector, const BLOCKS: usize, const OVERHANG: bool>(
    t: V::Token,
    z: &mut [f32],
    w: &[f32],
    inputs: impl Inputs,
    n_out: usize,
    c0: usize,
) {
    // With OVERHANG, the columns after the block (fewer than a vector) ride
    // along in one more accumulator, as in `forward_overhang`.
    let end = c0 + BLOCKS * V::LANES;
    let mut acc = [V::zero(t); BLOCKS];
    let mut tail = V::zero(t);
    for (j, xj) in inputs.pairs() {
        let xj = V::splat(t, xj);
        let row = &w[j * n_out + c0..j * n_out + end];
        for (k, a) in acc.iter_mut().enumerate() {
            *a = V::load(t, &row[k * V::LANES..]).mul_add(xj, *a);
        }
        if OVERHANG {
            tail = overhang_row::<V>(t, w, j, n_out, end).mul_add(xj, tail);
        }
    }
    for (k, a) in acc.iter().enumerate() {
        a.store(&mut z[c0 + k * V::LANES..]);
    }
    if OVERHANG {
        store_first(tail, &mut z[end..]);
    }
}

/// The first `out.len()` lanes of `v` (fewer than all) into `out`.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn store_first<V: Vector>(v: V, out: &mut [f32]) {
    let mut lanes = [0.0f32; 16];
    v.store(&mut lanes);
    let n = out.len();
    out.copy_from_slice(&lanes[..n]);
}

/// A vector of row `j`'s weights from column `c0` on, running into the
/// next row (lanes the caller discards); the last row of `w` is
/// zero-padded.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn overhang_row<V: Vector>(t: V::Token, w: &[f32], j: usize, n_out: usize, c0: usize) -> V {
    let base = j * n_out + c0;
    if base + V::LANES <= w.len() {
        V::load(t, &w[base..])
    } else {
        let mut padded = [0.0f32; 16];
        for (p, &v) in padded.iter_mut().zip(&w[base..(j + 1) * n_out]) {
            *p = v;
        }
        V::load(t, &padded)
    }
}

/// Forward pass of a pre-major layer over selected rows, overwriting `z`:
/// `z_i ← Σ_{j ∈ rows} x_j w_ji`. Twin: [`reference::forward_rows`].
///
/// Blocks of up to twelve vectors of columns stay in registers while every
/// selected row streams through them, so `z` is written once instead of once
/// per row. The last block carries the final columns that fill no vector
/// along in one more accumulator, so H = 100 (twelve 8-lane vectors and
/// four columns) takes a single pass over the rows. Layers of
/// [`Isa::WIDE_FROM`] columns or more run in 16-lane vectors on AVX-512;
/// every column is the same chain of fused multiply-adds on the 8- and the
/// 16-lane path, so both give the same bits.
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn forward_rows<P: Isa>(isa: P, z: &mut [f32], w: &[f32], x: &[f32], rows: &[u32]) {
    if P::SCALAR {
        return scalar_forward_rows(z, w, x, rows);
    }
    debug_assert!(rows.iter().all(|&j| (j as usize) < x.len()));
    forward_inputs::<P>(isa, z, w, Selected { rows, x });
}

/// Forward pass of a pre-major layer over an image's lit pixels,
/// overwriting `z`: `z_i ← Σ_k (p_k / 255) w_{r_k i}` for `r_k = rows[k]`,
/// `p_k = pixels[k]`. The sum [`forward_rows`] makes for the image's
/// pixels scaled to `[0, 1]`, bit for bit. Twin: [`reference::forward_lit`].
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn forward_lit<P: Isa>(isa: P, z: &mut [f32], w: &[f32], rows: &[u32], pixels: &[u8]) {
    if P::SCALAR {
        return scalar_forward_lit(z, w, rows, pixels);
    }
    debug_assert_eq!(rows.len(), pixels.len());
    forward_inputs::<P>(isa, z, w, LitPixels { rows, pixels });
}

/// The inputs a forward pass sums: `(row, value)` pairs, rows ascending.
trait Inputs: Copy {
    fn pairs(self) -> impl Iterator<Item = (usize, f32)>;
}

/// The rows `rows` of a dense input vector `x`.
#[derive(Clone, Copy)]
struct Selected<'a> {
    rows: &'a [u32],
    x: &'a [f32],
}

impl Inputs for Selected<'_> {
    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn pairs(self) -> impl Iterator<Item = (usize, f32)> {
        let x = self.x;
        self.rows.iter().map(move |&j| (j as usize, x[j as usize]))
    }
}

/// An image's lit pixels: `rows[k]` has the value `pixels[k] / 255`.
#[derive(Clone, Copy)]
struct LitPixels<'a> {
    rows: &'a [u32],
    pixels: &'a [u8],
}

impl Inputs for LitPixels<'_> {
    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn pairs(self) -> impl Iterator<Item = (usize, f32)> {
        self.rows
            .iter()
            .zip(self.pixels)
            .map(|(&j, &p)| (j as usize, reference::pixel_value(p)))
    }
}

/// [`forward_rows`] and [`forward_lit`] on any [`Inputs`].
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn forward_inputs<P: Isa>(isa: P, z: &mut [f32], w: &[f32], inputs: impl Inputs) {
    if z.len() >= P::WIDE_FROM {
        forward_rows_in::<P, P::Wide>(isa.wide(), z, w, inputs);
    } else {
        forward_rows_in::<P, P::Eight>(isa.eight(), z, w, inputs);
    }
}

/// [`forward_rows`] with blocks of `V` vectors.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn forward_rows_in<P: Isa, V: Vector>(t: V::Token, z: &mut [f32], w: &[f32], inputs: impl Inputs) {
    let n_out = z.len();
    debug_assert!(inputs.pairs().all(|(j, _)| (j + 1) * n_out <= w.len()));
    let lanes = V::LANES;
    let mut c0 = 0;
    loop {
        let vectors = ((n_out - c0) / lanes).min(P::FORWARD_BLOCK);
        // The last block takes the final columns along in the same pass.
        let rest = n_out - c0 - vectors * lanes;
        let overhang = vectors > 0 && rest > 0 && rest < lanes;
        macro_rules! block {
            ($($k:literal)*) => {
                match (vectors, overhang) {
                    (0, _) => break,
                    $(($k, false) => forward_block::<V, $k, false>(t, z, w, inputs, n_out, c0),
                      ($k, true) => forward_block::<V, $k, true>(t, z, w, inputs, n_out, c0),)*
                    _ => unreachable!("at most 12 vectors per block"),
                }
            };
        }
        block!(1 2 3 4 5 6 7 8 9 10 11 12);
        c0 += vectors * lanes;
        if overhang {
            return;
        }
    }
    if c0 < n_out {
        forward_overhang::<V>(t, z, w, inputs, n_out, c0);
    }
}

/// The last columns `c0..n_out` (fewer than a vector) in one vector pass:
/// each row's load runs past its end into the next row's first weights,
/// lanes that are computed and thrown away. A scalar sum per column would
/// chain every row on the latency of one addition. Only the final row of
/// `w`, which has no next row, is read through a zero-padded copy.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn forward_overhang<V: Vector>(
    t: V::Token,
    z: &mut [f32],
    w: &[f32],
    inputs: impl Inputs,
    n_out: usize,
    c0: usize,
) {
    let mut acc = V::zero(t);
    for (j, xj) in inputs.pairs() {
        acc = overhang_row::<V>(t, w, j, n_out, c0).mul_add(V::splat(t, xj), acc);
    }
    store_first(acc, &mut z[c0..]);
}

/// Whether [`forward_group`] takes a layer of `n_out` outputs: one or two
/// 8-lane vectors of columns, and the overhang.
pub(crate) fn group_fits(n_out: usize) -> bool {
    (LANES..3 * LANES).contains(&n_out)
}

/// [`forward_rows`] over every row of a small layer for [`GROUP`] input
/// vectors at once: `z[g] ← Σ_j a[g]_j w_j·`, each `z[g]` the same chain
/// of multiply-adds as `forward_rows(z[g], w, a[g], 0..n_in)`, bit for bit.
/// Twin: [`reference::forward_group`].
///
/// Why: with ten outputs (MNIST's last layer) a single image's sum is one
/// chain of a hundred dependent multiply-adds, one per input, and waits on
/// its latency at every row; [`GROUP`] images' chains interleave and each
/// row's weights are loaded once for all of them.
///
/// + `z`: `(GROUP, n_out)` with [`group_fits`]`(n_out)`; `a`: `(GROUP, n_in)`;
///   `w`: `(n_in, n_out)` pre-major.
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn forward_group<P: Isa>(isa: P, z: &mut [f32], w: &[f32], a: &[f32]) {
    let (n_out, n_in) = (z.len() / GROUP, a.len() / GROUP);
    debug_assert!(group_fits(n_out) && z.len() == GROUP * n_out);
    debug_assert!(a.len() == GROUP * n_in && w.len() == n_in * n_out);
    // `forward_rows` runs such a layer in 8-lane vectors on every path.
    debug_assert!(P::Wide::LANES == LANES || n_out < P::WIDE_FROM);
    if P::SCALAR {
        return reference::forward_group(z, w, a);
    }
    // The blocks `forward_rows_in` makes for these widths: one or two
    // vectors, and the overhang when columns are left.
    let vectors = n_out / LANES;
    match (vectors, !n_out.is_multiple_of(LANES)) {
        (1, false) => group_block::<P::Eight, 1, false>(isa.eight(), z, w, a),
        (1, true) => group_block::<P::Eight, 1, true>(isa.eight(), z, w, a),
        (2, false) => group_block::<P::Eight, 2, false>(isa.eight(), z, w, a),
        (2, true) => group_block::<P::Eight, 2, true>(isa.eight(), z, w, a),
        _ => unreachable!("group_fits holds"),
    }
}

/// [`forward_block`] for [`GROUP`] inputs in lockstep over every row.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn group_block<V: Vector, const BLOCKS: usize, const OVERHANG: bool>(
    t: V::Token,
    z: &mut [f32],
    w: &[f32],
    a: &[f32],
) {
    let (n_out, n_in) = (z.len() / GROUP, a.len() / GROUP);
    let end = BLOCKS * V::LANES;
    let mut acc = [[V::zero(t); BLOCKS]; GROUP];
    let mut tail = [V::zero(t); GROUP];
    for j in 0..n_in {
        let row = &w[j * n_out..j * n_out + end];
        let mut vs = [V::zero(t); BLOCKS];
        for (k, v) in vs.iter_mut().enumerate() {
            *v = V::load(t, &row[k * V::LANES..]);
        }
        let over = if OVERHANG {
            overhang_row::<V>(t, w, j, n_out, end)
        } else {
            V::zero(t)
        };
        for g in 0..GROUP {
            let xj = V::splat(t, a[g * n_in + j]);
            for k in 0..BLOCKS {
                acc[g][k] = vs[k].mul_add(xj, acc[g][k]);
            }
            if OVERHANG {
                tail[g] = over.mul_add(xj, tail[g]);
            }
        }
    }
    for (g, zg) in z.chunks_exact_mut(n_out).enumerate() {
        for (k, acc_k) in acc[g].iter().enumerate() {
            acc_k.store(&mut zg[k * V::LANES..]);
        }
        if OVERHANG {
            store_first(tail[g], &mut zg[end..]);
        }
    }
}

// The scalar path's forward kernels: `plain`'s register blocks where the
// scalar path is the only one (a core without a vector unit, where they save
// most of the instructions), the twins beside x86-64's vector paths (`--simd
// scalar`): the same bits, as `plain` adds in the twin's order, without a
// second copy of the forward pass in small x86-64 binaries (the `no_std`
// example's 64 KB). `plain`'s own tests compare it with the twins on every
// host.
#[cfg(not(target_arch = "x86_64"))]
use super::plain::{forward_lit as scalar_forward_lit, forward_rows as scalar_forward_rows};
#[cfg(target_arch = "x86_64")]
use super::reference::{forward_lit as scalar_forward_lit, forward_rows as scalar_forward_rows};
