//! MNIST streamed from the host's IDX files, one image at a time: the
//! 47 MB training set never sits in device memory.
//!
//! Headers are parsed by `dlr::idx::parse_header`; the files must be
//! uncompressed (run.sh provides uncompressed copies of `.gz` files).

use alloc::format;
use alloc::string::String;

use dlr::idx::{parse_header, IdxHeader, IdxType};

use crate::host::{File, FileError, Mode};

/// Why a data file cannot be used: one line that names the file.
#[derive(Clone, Debug)]
pub struct DataError(pub String);

fn file_error(path: &str, e: FileError) -> DataError {
    DataError(format!(
        "{path}: {e} (--data DIR must hold the four uncompressed MNIST IDX files)"
    ))
}

/// Opens `path` and checks that it is an IDX array of `u8` of rank `rank`,
/// as long as its header says.
fn open_idx(path: &str, rank: usize) -> Result<(File, IdxHeader), DataError> {
    let mut file = File::open(path, Mode::Read).map_err(|e| file_error(path, e))?;
    let mut head = [0u8; 4 + 4 * 3];
    let head_len = 4 + 4 * rank;
    file.read_exact(&mut head[..head_len])
        .map_err(|e| file_error(path, e))?;
    let header = parse_header(&head[..head_len]).map_err(|e| DataError(format!("{path}: {e}")))?;
    if header.dtype != IdxType::U8 || header.rank() != rank {
        return Err(DataError(format!(
            "{path}: expected an IDX array of u8 of rank {rank}, found {} of rank {}",
            header.dtype,
            header.rank()
        )));
    }
    let declared = header.file_len().unwrap_or(usize::MAX);
    let actual = file.len().map_err(|e| file_error(path, e))?;
    if actual < declared {
        return Err(DataError(format!(
            "{path}: truncated: the header declares {declared} bytes, the file has {actual}"
        )));
    }
    Ok((file, header))
}

/// One split (training or test) of an IDX image set and its labels.
#[derive(Debug)]
pub struct Split {
    images: File,
    labels: File,
    images_path: String,
    labels_path: String,
    len: usize,
    pixels: usize,
    images_header: usize,
    labels_header: usize,
}

impl Split {
    /// Opens `{dir}/{prefix}-images-idx3-ubyte` and
    /// `{dir}/{prefix}-labels-idx1-ubyte` (prefix `train` or `t10k`).
    pub fn open(dir: &str, prefix: &str) -> Result<Self, DataError> {
        let images_path = format!("{dir}/{prefix}-images-idx3-ubyte");
        let labels_path = format!("{dir}/{prefix}-labels-idx1-ubyte");
        let (images, ih) = open_idx(&images_path, 3)?;
        let (labels, lh) = open_idx(&labels_path, 1)?;
        if ih.dims[0] != lh.dims[0] {
            return Err(DataError(format!(
                "{images_path}: {} images but {labels_path} has {} labels",
                ih.dims[0], lh.dims[0]
            )));
        }
        Ok(Self {
            images,
            labels,
            len: ih.dims[0],
            pixels: ih.dims[1] * ih.dims[2],
            images_header: ih.header_len(),
            labels_header: lh.header_len(),
            images_path,
            labels_path,
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the split holds no image.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Pixels per image.
    pub fn pixels(&self) -> usize {
        self.pixels
    }

    /// Reads image `i` into `image`, `(pixels,)`, and returns its label.
    pub fn read(&mut self, i: usize, image: &mut [u8]) -> Result<u8, DataError> {
        let mut label = [0u8];
        self.labels
            .read_at(self.labels_header + i, &mut label)
            .map_err(|e| file_error(&self.labels_path, e))?;
        self.images
            .read_at(self.images_header + i * self.pixels, image)
            .map_err(|e| file_error(&self.images_path, e))?;
        Ok(label[0])
    }

    /// Calls `f(image, label)` for every image in order, reading the files
    /// front to back (one read per image, one per `labels.len()` labels).
    pub fn for_each(
        &mut self,
        image: &mut [u8],
        labels: &mut [u8],
        mut f: impl FnMut(&[u8], u8),
    ) -> Result<(), DataError> {
        self.images
            .seek(self.images_header)
            .map_err(|e| file_error(&self.images_path, e))?;
        self.labels
            .seek(self.labels_header)
            .map_err(|e| file_error(&self.labels_path, e))?;
        let mut done = 0;
        while done < self.len {
            let chunk = labels.len().min(self.len - done);
            self.labels
                .read_exact(&mut labels[..chunk])
                .map_err(|e| file_error(&self.labels_path, e))?;
            for &label in &labels[..chunk] {
                self.images
                    .read_exact(image)
                    .map_err(|e| file_error(&self.images_path, e))?;
                f(image, label);
            }
            done += chunk;
        }
        Ok(())
    }
}
