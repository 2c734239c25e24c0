//! A labelled image set held as it is stored: `u8` pixels, `u8` labels.
//!
//! Images stay `u8` in memory (47 MB for MNIST's training set rather than
//! 188 MB as `f32`); kernels convert a row to `f32` when they read it.

use alloc::vec;
use alloc::vec::Vec;

use crate::idx::{self, IdxError, IdxType};

/// `n` images of `rows × cols` `u8` pixels with one class label each, in
/// `0..classes` (at most 256 classes; MNIST has 10).
///
/// `images` is `(n, rows·cols)` row-major; `labels` is `(n,)`. The class
/// count is the largest label plus one unless set with
/// [`Dataset::with_classes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    images: Vec<u8>,
    labels: Vec<u8>,
    rows: usize,
    cols: usize,
    classes: usize,
}

impl Dataset {
    /// Builds a dataset from raw parts, checking shapes and labels.
    ///
    /// + `images`: `(n, rows·cols)` pixels, row-major
    /// + `labels`: `(n,)` class labels
    pub fn from_parts(
        images: Vec<u8>,
        labels: Vec<u8>,
        rows: usize,
        cols: usize,
    ) -> Result<Self, IdxError> {
        let pixels = rows.checked_mul(cols).ok_or(IdxError::DimensionOverflow)?;
        let n_images = images.len().checked_div(pixels).unwrap_or(0);
        if pixels == 0 || images.len() != n_images * pixels || n_images != labels.len() {
            return Err(IdxError::CountMismatch {
                images: n_images,
                labels: labels.len(),
            });
        }
        let classes = labels.iter().max().map_or(0, |&l| usize::from(l) + 1);
        Ok(Self {
            images,
            labels,
            rows,
            cols,
            classes,
        })
    }

    /// The same set with `classes` classes, when every label is below it
    /// (a set may lack the last classes, as a small test set can).
    ///
    /// ```
    /// use dlr::idx::IdxError;
    /// use dlr::dataset::Dataset;
    ///
    /// let data = Dataset::from_parts(vec![0, 9, 200, 3], vec![1, 3], 1, 2)?;
    /// assert_eq!(data.classes(), 4);
    /// assert_eq!(data.clone().with_classes(26)?.classes(), 26);
    /// assert_eq!(
    ///     data.with_classes(3),
    ///     Err(IdxError::LabelOutOfRange { index: 1, value: 3, classes: 3 })
    /// );
    /// # Ok::<(), IdxError>(())
    /// ```
    pub fn with_classes(mut self, classes: usize) -> Result<Self, IdxError> {
        let classes = classes.min(256);
        if let Some((index, &value)) = self
            .labels
            .iter()
            .enumerate()
            .find(|(_, &l)| usize::from(l) >= classes)
        {
            return Err(IdxError::LabelOutOfRange {
                index,
                value,
                classes,
            });
        }
        self.classes = classes;
        Ok(self)
    }

    /// The class count: labels are in `0..classes()`.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The outputs of a network trained on `train` and tested on `test`:
    /// `at_least`, or one per class of either set where that is more (what
    /// [`crate::train::Trainer::for_run`] builds).
    pub fn output_units(train: &Dataset, test: &Dataset, at_least: usize) -> usize {
        at_least.max(train.classes()).max(test.classes())
    }

    /// Builds a dataset from an IDX image file and an IDX label file, as bytes.
    ///
    /// + `images_idx`: `u8`, 3-D `(n, rows, cols)`
    /// + `labels_idx`: `u8`, 1-D `(n,)`, class labels (`0..=255`)
    ///
    /// Both are checked whole before anything is copied; the only allocations
    /// are the two payloads, at their actual sizes. Needs no `std`: embed the
    /// files with `include_bytes!` (as `examples/embedded.rs` does) or read
    /// them any way you like.
    ///
    /// ```
    /// use dlr::idx::{self, IdxError, IdxType};
    /// use dlr::dataset::Dataset;
    ///
    /// // Two 2×2 images labelled 1 and 7, as the bytes of two IDX files.
    /// let images = idx::write(IdxType::U8, &[2, 2, 2], &[0, 255, 0, 0, 9, 0, 0, 80]);
    /// let labels = idx::write(IdxType::U8, &[2], &[1, 7]);
    /// let data = Dataset::from_idx(&images, &labels)?;
    /// assert_eq!((data.len(), data.shape()), (2, (2, 2)));
    /// assert_eq!((data.image(1), data.label(1)), (&[9, 0, 0, 80][..], 7));
    ///
    /// // As many labels as images.
    /// let short = idx::write(IdxType::U8, &[1], &[1]);
    /// assert_eq!(
    ///     Dataset::from_idx(&images, &short),
    ///     Err(IdxError::CountMismatch { images: 2, labels: 1 })
    /// );
    /// # Ok::<(), IdxError>(())
    /// ```
    pub fn from_idx(images_idx: &[u8], labels_idx: &[u8]) -> Result<Self, IdxError> {
        let (rows, cols, image_header, label_header) = Self::validate_idx(images_idx, labels_idx)?;
        // After validation the payloads are exactly the bytes past the headers.
        Self::from_parts(
            images_idx[image_header..].to_vec(),
            labels_idx[label_header..].to_vec(),
            rows,
            cols,
        )
    }

    /// As [`Dataset::from_idx`], taking the files' bytes by value: the
    /// headers are cut off in place, so no second copy of the images is ever
    /// held (MNIST's training images are 47 MB).
    pub fn from_idx_owned(
        mut images_idx: Vec<u8>,
        mut labels_idx: Vec<u8>,
    ) -> Result<Self, IdxError> {
        // Validate everything on the borrowed bytes first.
        let (rows, cols, image_header, label_header) =
            Self::validate_idx(&images_idx, &labels_idx)?;
        images_idx.drain(..image_header);
        labels_idx.drain(..label_header);
        Self::from_parts(images_idx, labels_idx, rows, cols)
    }

    /// Checks an images/labels pair as [`Dataset::from_idx`] does; returns
    /// `(rows, cols, images' header length, labels' header length)`.
    fn validate_idx(
        images_idx: &[u8],
        labels_idx: &[u8],
    ) -> Result<(usize, usize, usize, usize), IdxError> {
        let images = idx::parse(images_idx)?;
        images.require(IdxType::U8, 3)?;
        let labels = idx::parse(labels_idx)?;
        labels.require(IdxType::U8, 1)?;
        let &[n_images, rows, cols] = images.header.dims.as_slice() else {
            return Err(IdxError::WrongRank {
                expected: 3,
                found: images.header.rank(),
            });
        };
        if n_images != labels.data.len() {
            return Err(IdxError::CountMismatch {
                images: n_images,
                labels: labels.data.len(),
            });
        }
        if rows == 0 || cols == 0 {
            return Err(IdxError::ZeroSizeImage { rows, cols });
        }
        Ok((
            rows,
            cols,
            images.header.header_len(),
            labels.header.header_len(),
        ))
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when the set holds no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixels per image (`rows · cols`, 784 for MNIST).
    pub fn pixels(&self) -> usize {
        self.rows * self.cols
    }

    /// Image height and width.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Pixels of image `i`, `(rows·cols,)`.
    pub fn image(&self, i: usize) -> &[u8] {
        let p = self.pixels();
        &self.images[i * p..(i + 1) * p]
    }

    /// Asks the CPU to start loading image `i` (and its label) into cache;
    /// does nothing where no prefetch instruction is compiled in.
    ///
    /// Online training visits images in shuffled order, so the hardware
    /// prefetcher cannot guess the next one: its 13 cache lines would
    /// otherwise miss at the start of every step. The trainer and `dlr
    /// bench` call this one sample ahead.
    #[inline]
    pub fn prefetch(&self, i: usize) {
        crate::simd::prefetch(self.image(i));
        crate::simd::prefetch(core::slice::from_ref(&self.labels[i]));
    }

    /// Label of image `i`.
    pub fn label(&self, i: usize) -> u8 {
        self.labels[i]
    }

    /// All pixels, `(n, rows·cols)` row-major.
    pub fn images(&self) -> &[u8] {
        &self.images
    }

    /// All labels, `(n,)`.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// The first `n` images (all of them if `n ≥ len`), e.g. for quick runs.
    pub fn truncated(&self, n: usize) -> Self {
        let n = n.min(self.len());
        Self {
            images: self.images[..n * self.pixels()].to_vec(),
            labels: self.labels[..n].to_vec(),
            rows: self.rows,
            cols: self.cols,
            classes: self.classes,
        }
    }
}

/// Writes the indices of `image`'s non-zero pixels, ascending, to the
/// start of `out` and returns how many there are.
///
/// Sixteen pixels at a time: a block with none lit is skipped with one test;
/// in the others each word of eight pixels is handled branch-free: an 8-bit
/// mask of its non-zero bytes picks a row of `BYTE_POSITIONS`, all eight
/// entries are written, and the count advances by the mask's popcount. (A
/// bit-by-bit loop mispredicts its exit on almost every lit word.) The count
/// is at most `8c` before word `c`, so the eight writes stay inside `out`.
///
/// # Panics
/// If `out` is shorter than `image`.
#[cfg_attr(target_arch = "x86_64", inline(always))]
#[cfg_attr(not(target_arch = "x86_64"), inline)]
pub(crate) fn lit_indices(image: &[u8], out: &mut [u32]) -> usize {
    let out = &mut out[..image.len()];
    let mut n = 0;
    let (pairs, tail) = image.as_chunks::<16>();
    for (c, pair) in pairs.iter().enumerate() {
        // Most of an MNIST image is background: sixteen dark pixels are
        // passed over with one test.
        if u128::from_le_bytes(*pair) == 0 {
            continue;
        }
        for (h, word) in pair.as_chunks::<8>().0.iter().enumerate() {
            let base = (c * 16 + h * 8) as u32;
            n = if WORDS_BY_TABLE {
                lit_in_word_by_table(word, base, out, n)
            } else {
                lit_in_word_by_pixel(word, base, out, n)
            };
        }
    }
    let done = pairs.len() * 16;
    for (k, &p) in tail.iter().enumerate() {
        out[n] = (done + k) as u32;
        n += usize::from(p != 0);
    }
    n
}

/// Whether [`lit_indices`] lists a word of eight pixels through its byte
/// mask and [`BYTE_POSITIONS`] (where the widening and the eight stores are
/// vector instructions), or pixel by pixel: on a 32-bit core without a
/// vector unit the mask's 64-bit multiply and the eight-entry copy cost
/// more than eight plain steps. The same indices either way.
const WORDS_BY_TABLE: bool = cfg!(any(target_arch = "x86_64", dlr_wide));

/// The indices `base + k` of the non-zero pixels `word[k]`, written to
/// `out` from `n` on through the byte mask's row of [`BYTE_POSITIONS`];
/// returns the new count. Writes `out[n..n + 8]`.
#[cfg_attr(target_arch = "x86_64", inline(always))]
#[cfg_attr(not(target_arch = "x86_64"), inline)]
fn lit_in_word_by_table(word: &[u8; 8], base: u32, out: &mut [u32], n: usize) -> usize {
    let mask = nonzero_byte_mask(u64::from_le_bytes(*word));
    // All eight as one array, so the widening and the stores compile to
    // vector instructions.
    let indices = BYTE_POSITIONS[mask as usize].map(|p| base + u32::from(p));
    out[n..n + 8].copy_from_slice(&indices);
    n + mask.count_ones() as usize
}

/// [`lit_in_word_by_table`] pixel by pixel, branch-free: every index is
/// written, the count advances past the non-zero ones. Writes
/// `out[n..n + 8]` at most.
///
/// # Panics
/// If `out` is shorter than `n + 8`: checked once rather than at each of
/// the eight stores, which on a core without a vector unit (where this
/// runs) took a fifth of the listing's instructions.
#[cfg_attr(target_arch = "x86_64", inline(always))]
#[cfg_attr(not(target_arch = "x86_64"), inline)]
fn lit_in_word_by_pixel(word: &[u8; 8], base: u32, out: &mut [u32], n: usize) -> usize {
    let out = &mut out[n..n + 8];
    let mut lit = 0;
    for (k, &p) in word.iter().enumerate() {
        // `lit <= k < 8`, so the mask changes nothing; it only tells the
        // compiler the store is in bounds.
        out[lit & 7] = base + k as u32;
        lit += usize::from(p != 0);
    }
    n + lit
}

/// Bit `k` set where byte `k` (little-endian) of `x` is non-zero.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn nonzero_byte_mask(x: u64) -> u8 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    // (b & 0x7F) + 0x7F carries into bit 7 iff the low seven bits are not
    // all zero; or-ing b itself catches b = 0x80. No carry crosses a byte.
    let high_bits = (((x & LOW7) + LOW7) | x) & !LOW7;
    // Bit 0 of byte k, times the magic, lands on bit 56 + k alone: the
    // partial products of distinct bytes never meet in bits 56..63.
    ((high_bits >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// Row `m`: the positions of the set bits of `m`, ascending, then zeros.
static BYTE_POSITIONS: [[u8; 8]; 256] = {
    let mut table = [[0u8; 8]; 256];
    let mut m = 0;
    while m < 256 {
        let (mut bit, mut n) = (0, 0);
        while bit < 8 {
            if m & (1 << bit) != 0 {
                table[m][n] = bit as u8;
                n += 1;
            }
            bit += 1;
        }
        m += 1;
    }
    table
};

/// An image set as the evaluation reads it: each image's lit (non-zero)
/// pixels, their indices and values, listed once, so that the 48
/// evaluations of a training convert no pixel again. 5 bytes per lit pixel
/// (a `u32` index and a `u8` value) and a `usize` per image: 7.6 MB for
/// MNIST's test set, whose 10,000 images light 1,511,219 pixels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LitImages {
    // Image i's lit pixels are starts[i]..starts[i + 1] of rows and pixels.
    starts: Vec<usize>,
    rows: Vec<u32>,
    pixels: Vec<u8>,
    labels: Vec<u8>,
    n_pixels: usize,
}

impl LitImages {
    /// The lit pixels of every image of `data`.
    pub fn new(data: &Dataset) -> Self {
        let mut starts = Vec::with_capacity(data.len() + 1);
        let mut rows = Vec::new();
        let mut pixels = Vec::new();
        let mut lit = vec![0; data.pixels()];
        starts.push(0);
        for i in 0..data.len() {
            let image = data.image(i);
            let n = lit_indices(image, &mut lit);
            rows.extend_from_slice(&lit[..n]);
            pixels.extend(lit[..n].iter().map(|&j| image[j as usize]));
            starts.push(rows.len());
        }
        Self {
            starts,
            rows,
            pixels,
            labels: data.labels().to_vec(),
            n_pixels: data.pixels(),
        }
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixels per image, lit or not.
    pub fn pixels(&self) -> usize {
        self.n_pixels
    }

    /// Image `i`'s lit pixels: their indices (ascending) and values.
    pub fn lit(&self, i: usize) -> (&[u32], &[u8]) {
        let r = self.starts[i]..self.starts[i + 1];
        (&self.rows[r.clone()], &self.pixels[r])
    }

    /// Label of image `i`.
    pub fn label(&self, i: usize) -> u8 {
        self.labels[i]
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn nonzero_byte_mask_matches_a_byte_by_byte_test() {
        let mut rng = crate::rng::Rng::new(3);
        let specials = [
            0u64,
            u64::MAX,
            0x80,
            0x8000_0000_0000_0000,
            0x0101_0101_0101_0101,
            0x7F00,
        ];
        for i in 0..20_000 {
            // Sparse words like MNIST's, dense ones, and every byte value.
            let x = if i < specials.len() {
                specials[i]
            } else {
                let mut x = 0u64;
                for k in 0..8 {
                    if rng.uniform() < 0.3 {
                        x |= u64::from(rng.below(256) as u8 | (i % 2) as u8) << (8 * k);
                    }
                }
                x
            };
            let expected = (0..8).fold(0u8, |m, k| m | (u8::from((x >> (8 * k)) & 0xFF != 0) << k));
            assert_eq!(super::nonzero_byte_mask(x), expected, "x = {x:#018x}");
        }
    }

    use super::*;

    /// Both ways of listing a word's lit pixels (the table where vectors
    /// are, pixel by pixel elsewhere) against a plain filter: every one of
    /// the 256 lit/dark patterns, at several write positions.
    #[test]
    fn both_word_listings_give_the_lit_pixels() {
        for pattern in 0..256u32 {
            let word: [u8; 8] = core::array::from_fn(|k| {
                if pattern & (1 << k) != 0 {
                    1 + (k as u8 * 37) % 255
                } else {
                    0
                }
            });
            let want: Vec<u32> = (0..8)
                .filter(|&k| word[k] != 0)
                .map(|k| 40 + k as u32)
                .collect();
            for n in [0, 3, 8] {
                for (name, listing) in [
                    (
                        "table",
                        lit_in_word_by_table as fn(&[u8; 8], u32, &mut [u32], usize) -> usize,
                    ),
                    ("pixel", lit_in_word_by_pixel),
                ] {
                    let mut out = vec![u32::MAX; 16];
                    let end = listing(&word, 40, &mut out, n);
                    assert_eq!(
                        &out[n..end],
                        &want[..],
                        "{name}, pattern {pattern:#010b}, from {n}"
                    );
                    assert!(
                        out[..n].iter().all(|&x| x == u32::MAX),
                        "{name} wrote before {n}"
                    );
                }
            }
        }
    }

    #[test]
    fn prefetch_any_image_leaves_the_data_alone() {
        // Odd image sizes put images across cache-line boundaries.
        for (rows, cols) in [(1, 1), (3, 5), (28, 28), (17, 31)] {
            let n = 9;
            let images: Vec<u8> = (0..n * rows * cols).map(|k| (k * 7 % 251) as u8).collect();
            let labels: Vec<u8> = (0..n).map(|k| (k % 10) as u8).collect();
            // Test code: the lengths match by construction (n images of
            // rows × cols, n labels below 10).
            let data = Dataset::from_parts(images.clone(), labels.clone(), rows, cols).unwrap();
            for i in (0..n).rev() {
                data.prefetch(i);
                assert_eq!(
                    data.image(i),
                    &images[i * rows * cols..(i + 1) * rows * cols]
                );
                assert_eq!(data.label(i), labels[i]);
            }
        }
    }
}
