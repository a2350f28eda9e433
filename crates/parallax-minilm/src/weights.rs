//! Reading f32 tensors from a `.safetensors` file one at a time.
//!
//! candle's own loaders either memory-map the file (an `unsafe` call, which
//! this workspace forbids) or read the whole file and then copy every tensor,
//! which doubles peak memory during load. Reading each tensor straight into
//! its final buffer keeps the peak at the size of the weights.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::ModelError;

/// A safetensors file whose header has been read.
pub(crate) struct SafeTensors {
    path: PathBuf,
    reader: BufReader<File>,
    data_start: u64,
    entries: HashMap<String, Entry>,
}

#[derive(Deserialize)]
struct Entry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [u64; 2],
}

/// Headers larger than this are not safetensors written by PyTorch for a
/// model this size; refusing them avoids allocating whatever a corrupt
/// length field says.
const MAX_HEADER: u64 = 16 << 20;

impl SafeTensors {
    pub(crate) fn open(path: &Path) -> Result<Self, ModelError> {
        let file = File::open(path).map_err(|e| ModelError::io(path, e))?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let mut len = [0u8; 8];
        reader
            .read_exact(&mut len)
            .map_err(|e| ModelError::io(path, e))?;
        let len = u64::from_le_bytes(len);
        if len > MAX_HEADER {
            return Err(ModelError::format(path, "header too large"));
        }
        let mut header = vec![0u8; len as usize];
        reader
            .read_exact(&mut header)
            .map_err(|e| ModelError::io(path, e))?;
        let raw: HashMap<String, serde_json::Value> = serde_json::from_slice(&header)
            .map_err(|e| ModelError::format(path, format!("header: {e}")))?;
        let mut entries = HashMap::new();
        for (name, value) in raw {
            if name == "__metadata__" {
                continue;
            }
            let entry: Entry = serde_json::from_value(value)
                .map_err(|e| ModelError::format(path, format!("tensor {name}: {e}")))?;
            entries.insert(name, entry);
        }
        Ok(Self {
            path: path.to_path_buf(),
            reader,
            data_start: 8 + len,
            entries,
        })
    }

    /// Reads tensor `name`, which must be f32 of exactly `shape`.
    pub(crate) fn f32(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, ModelError> {
        let path = &self.path;
        let entry = self
            .entries
            .get(name)
            .ok_or_else(|| ModelError::format(path, format!("tensor {name} missing")))?;
        if entry.dtype != "F32" || entry.shape != shape {
            return Err(ModelError::format(
                path,
                format!(
                    "tensor {name}: expected F32 {shape:?}, found {} {:?}",
                    entry.dtype, entry.shape
                ),
            ));
        }
        let count: usize = shape.iter().product();
        let [start, end] = entry.data_offsets;
        if end.checked_sub(start) != Some(4 * count as u64) {
            return Err(ModelError::format(
                path,
                format!("tensor {name}: bad data offsets"),
            ));
        }
        self.reader
            .seek(SeekFrom::Start(self.data_start + start))
            .map_err(|e| ModelError::io(path, e))?;
        let mut values = Vec::with_capacity(count);
        let mut chunk = vec![0u8; 1 << 16];
        let mut left = 4 * count;
        while left > 0 {
            let n = left.min(chunk.len());
            self.reader
                .read_exact(&mut chunk[..n])
                .map_err(|e| ModelError::io(path, e))?;
            values.extend(
                chunk[..n]
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
            left -= n;
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::SafeTensors;

    fn write_file(header: &str, data: &[u8]) -> tempfile::NamedTempFile {
        use std::io::Write;
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&(header.len() as u64).to_le_bytes())
            .unwrap();
        file.write_all(header.as_bytes()).unwrap();
        file.write_all(data).unwrap();
        file
    }

    #[test]
    fn reads_named_tensor() {
        let header = r#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]}}"#;
        let data: Vec<u8> = [1.5f32, -2.0, 7.25]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let file = write_file(header, &data);
        let mut st = SafeTensors::open(file.path()).unwrap();
        assert_eq!(st.f32("b", &[1, 1]).unwrap(), vec![7.25]);
        assert_eq!(st.f32("a", &[2]).unwrap(), vec![1.5, -2.0]);
    }

    #[test]
    fn rejects_wrong_shape_and_missing_tensor() {
        let header = r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
        let file = write_file(header, &[0; 8]);
        let mut st = SafeTensors::open(file.path()).unwrap();
        assert!(st.f32("a", &[3]).is_err());
        assert!(st.f32("c", &[2]).is_err());
    }
}
