//! Reads a zip archive (stored or deflated entries, as `zip` and Python's `zipfile` write them)
//! into a directory, refusing entries that would land outside it.

use std::path::{Component, Path};

/// Why an archive could not be extracted.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Could not unzip uploaded file. Please check your file, then try to upload again.")]
    Corrupt,
    #[error("unsupported compression method {0}")]
    Method(u16),
    #[error("cannot write {0}: {1}")]
    Write(String, std::io::Error),
}

/// The most an archive may expand to (Lambda's limit for unzipped code).
const MAX_UNZIPPED: usize = 250 * 1024 * 1024;

fn u16_at(data: &[u8], at: usize) -> Result<u16, Error> {
    data.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]])).ok_or(Error::Corrupt)
}

fn u32_at(data: &[u8], at: usize) -> Result<u32, Error> {
    data.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok_or(Error::Corrupt)
}

/// Extracts every entry of `data` under `dir` (which must exist).
pub fn extract(data: &[u8], dir: &Path) -> Result<(), Error> {
    let floor = data.len().saturating_sub(22 + 65_535);
    let end = (floor..data.len().saturating_sub(21))
        .rev()
        .find(|&at| u32_at(data, at).ok() == Some(0x0605_4b50))
        .ok_or(Error::Corrupt)?;
    let entries = u16_at(data, end + 10)? as usize;
    let mut at = u32_at(data, end + 16)? as usize;
    let mut total = 0usize;
    for _ in 0..entries {
        if u32_at(data, at)? != 0x0201_4b50 {
            return Err(Error::Corrupt);
        }
        let method = u16_at(data, at + 10)?;
        let compressed = u32_at(data, at + 20)? as usize;
        let size = u32_at(data, at + 24)? as usize;
        let name_len = u16_at(data, at + 28)? as usize;
        let extra_len = u16_at(data, at + 30)? as usize;
        let comment_len = u16_at(data, at + 32)? as usize;
        let mode = u32_at(data, at + 38)? >> 16;
        let local = u32_at(data, at + 42)? as usize;
        let name = data.get(at + 46..at + 46 + name_len).ok_or(Error::Corrupt)?;
        let name = String::from_utf8_lossy(name).replace('\\', "/");
        at += 46 + name_len + extra_len + comment_len;
        let relative = Path::new(&name);
        if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(Error::Corrupt);
        }
        let target = dir.join(relative);
        let write = |e| Error::Write(target.display().to_string(), e);
        if name.ends_with('/') {
            std::fs::create_dir_all(&target).map_err(write)?;
            continue;
        }
        if u32_at(data, local)? != 0x0403_4b50 {
            return Err(Error::Corrupt);
        }
        let start = local + 30 + u16_at(data, local + 26)? as usize + u16_at(data, local + 28)? as usize;
        let raw = data.get(start..start + compressed).ok_or(Error::Corrupt)?;
        total += size;
        if total > MAX_UNZIPPED {
            return Err(Error::Corrupt);
        }
        let bytes = match method {
            0 => raw.to_vec(),
            8 => miniz_oxide::inflate::decompress_to_vec_with_limit(raw, size.max(1)).map_err(|_| Error::Corrupt)?,
            other => return Err(Error::Method(other)),
        };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(write)?;
        }
        std::fs::write(&target, bytes).map_err(write)?;
        if mode & 0o111 != 0 {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).map_err(write)?;
        }
    }
    Ok(())
}
