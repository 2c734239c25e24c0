//! The one caller of `matrixmultiply::sgemm`: a safe, shape-checked wrapper.
//!
//! Matrices are described by a slice, a shape and element strides, so a
//! transpose is a swap of strides and costs no copy.

/// A read-only matrix view: element `(r, c)` is `data[r·row_stride + c·col_stride]`.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> MatRef<'a> {
    /// `data` holds a `(rows, cols)` row-major matrix.
    ///
    /// # Panics
    /// If `data.len() != rows · cols`.
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        assert_eq!(
            data.len(),
            rows * cols,
            "matrix shape does not match its data"
        );
        Self {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose of this view (no copy).
    pub fn t(self) -> Self {
        Self {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }
}

/// `C ← α A B + β C`, with `C` a `(A.rows, B.cols)` row-major slice.
///
/// With `β = 0`, `C` is only written, never read (NaN in it is harmless).
///
/// # Panics
/// If the inner dimensions differ or `c` has the wrong length.
pub fn gemm(alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: &mut [f32]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(b.rows, k, "inner dimensions of A and B differ");
    assert_eq!(c.len(), m * n, "C has the wrong length");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        // An empty sum: C ← β C, without reading C when β = 0.
        if beta == 0.0 {
            c.fill(0.0);
        } else {
            c.iter_mut().for_each(|x| *x *= beta);
        }
        return;
    }
    // SAFETY: MatRef's constructors tie each view to a slice that holds every
    // element its shape and strides address (row_major asserts
    // len = rows·cols, and t() only swaps shape with strides); C is checked
    // above to hold m·n elements, row-major; all three are distinct borrows.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.data.as_ptr(),
            a.row_stride as isize,
            a.col_stride as isize,
            b.data.as_ptr(),
            b.row_stride as isize,
            b.col_stride as isize,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}
