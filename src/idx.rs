//! IDX parsing (placeholder: being written).
/// Errors (placeholder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdxError {
    /// Dimension product overflow.
    DimensionOverflow,
    /// Counts differ.
    CountMismatch {
        /// images
        images: usize,
        /// labels
        labels: usize,
    },
    /// Bad label.
    LabelOutOfRange {
        /// index
        index: usize,
        /// value
        value: u8,
    },
}
