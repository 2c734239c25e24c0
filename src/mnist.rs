//! MNIST files (placeholder: being written).
