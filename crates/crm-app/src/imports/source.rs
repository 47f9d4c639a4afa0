//! The uploaded file: written to the import directory as it arrives (never
//! held in memory), its encoding decided (a byte-order mark; else UTF-8
//! when the whole file is valid UTF-8; else GB18030, what Excel saves in
//! China), its separator found in the header line, and read back as a
//! stream of CSV records transcoded to UTF-8.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use encoding_rs::{Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};
use encoding_rs_io::DecodeReaderBytesBuilder;
use uuid::Uuid;

use crate::AppError;

/// Data rows the upload answer shows.
pub const SAMPLE_ROWS: usize = 5;

/// Where an import's file lives.
pub fn path_of(dir: &Path, id: Uuid) -> PathBuf {
    dir.join(format!("{id}.csv"))
}

/// What the upload learned about the file.
#[derive(Debug, Clone)]
pub struct Described {
    pub size: i64,
    pub encoding: &'static Encoding,
    pub delimiter: u8,
    pub columns: Vec<String>,
    pub sample: Vec<Vec<String>>,
}

/// The upload being written to its file as chunks arrive: at most `limit`
/// bytes, checking on the way whether it is all valid UTF-8. The transport
/// feeds it the chunks it reads.
pub struct Upload {
    out: BufWriter<File>,
    size: u64,
    limit: u64,
    utf8: Utf8Check,
}

impl Upload {
    pub fn create(path: &Path, limit: u64) -> Result<Self, AppError> {
        let file = File::create(path).map_err(AppError::internal)?;
        Ok(Self {
            out: BufWriter::with_capacity(1 << 20, file),
            size: 0,
            limit,
            utf8: Utf8Check::default(),
        })
    }

    /// Appends a chunk; `TooLarge` once the file would exceed the limit.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), AppError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(AppError::TooLarge {
                limit: usize::try_from(self.limit).unwrap_or(usize::MAX),
            });
        }
        self.utf8.feed(chunk);
        // Large writes go straight to the file; the buffer batches small chunks.
        self.out.write_all(chunk).map_err(AppError::internal)
    }

    /// Flushes the file; returns its size and whether it is all valid UTF-8.
    pub fn finish(mut self) -> Result<(u64, bool), AppError> {
        self.out.flush().map_err(AppError::internal)?;
        Ok((self.size, self.utf8.finish()))
    }
}

/// An incremental UTF-8 validity check over chunks that may split a character.
#[derive(Default)]
struct Utf8Check {
    carry: Vec<u8>,
    invalid: bool,
}

impl Utf8Check {
    fn feed(&mut self, chunk: &[u8]) {
        if self.invalid {
            return;
        }
        let mut joined;
        let bytes = if self.carry.is_empty() {
            chunk
        } else {
            joined = std::mem::take(&mut self.carry);
            joined.extend_from_slice(chunk);
            &joined[..]
        };
        match std::str::from_utf8(bytes) {
            Ok(_) => self.carry.clear(),
            // Cut inside a character: keep its first bytes for the next chunk.
            Err(e) if e.error_len().is_none() => {
                self.carry = bytes[e.valid_up_to()..].to_vec();
            }
            Err(_) => self.invalid = true,
        }
    }

    fn finish(self) -> bool {
        !self.invalid && self.carry.is_empty()
    }
}

/// The encoding named by a client (`utf-8`, `gb18030`, `gbk`, `utf-16le` …).
pub fn named_encoding(name: &str) -> Result<&'static Encoding, AppError> {
    match Encoding::for_label(name.trim().as_bytes()) {
        // GBK and GB2312 files are GB18030 files; decode them all as GB18030.
        Some(e) if e == encoding_rs::GBK => Ok(GB18030),
        Some(e) if [UTF_8, GB18030, UTF_16LE, UTF_16BE].contains(&e) => Ok(e),
        _ => Err(AppError::validation(
            "encoding",
            "must be utf-8, gb18030 (also gbk, gb2312), utf-16le or utf-16be",
        )),
    }
}

/// The encoding of a saved file: its byte-order mark, else UTF-8 if it was all valid UTF-8, else GB18030.
pub fn detect(path: &Path, valid_utf8: bool) -> Result<&'static Encoding, AppError> {
    let mut head = [0_u8; 3];
    let mut file = File::open(path).map_err(AppError::internal)?;
    let n = file.read(&mut head).map_err(AppError::internal)?;
    Ok(match Encoding::for_bom(&head[..n]) {
        Some((encoding, _)) => encoding,
        None if valid_utf8 => UTF_8,
        None => GB18030,
    })
}

/// Counts the raw bytes read from the file (for the progress figure).
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The file as UTF-8 text, whatever its encoding (a byte-order mark is dropped).
fn decoded(
    path: &Path,
    encoding: &'static Encoding,
    read: Arc<AtomicU64>,
) -> Result<impl Read + use<>, AppError> {
    let file = File::open(path)
        .map_err(|e| AppError::Unavailable(format!("the uploaded file is no longer there: {e}")))?;
    let counted = Counted {
        inner: BufReader::with_capacity(1 << 20, file),
        read,
    };
    Ok(DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .strip_bom(true)
        .build(counted))
}

/// The separator of the header line: the most frequent of `,` `;` tab `|` outside quotes.
fn sniff_delimiter(path: &Path, encoding: &'static Encoding) -> Result<u8, AppError> {
    let mut text = decoded(path, encoding, Arc::default())?;
    let mut head = vec![0_u8; 64 * 1024];
    let n = read_up_to(&mut text, &mut head).map_err(AppError::internal)?;
    let mut counts = [0_usize; 4];
    let candidates = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for &b in &head[..n] {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = candidates.iter().position(|c| *c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let best = (0..4).max_by_key(|i| (counts[*i], usize::from(*i == 0)));
    Ok(best
        .filter(|i| counts[*i] > 0)
        .map_or(b',', |i| candidates[i]))
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Reads the header and the sample of a saved file.
pub fn describe(
    path: &Path,
    size: u64,
    encoding: &'static Encoding,
) -> Result<Described, AppError> {
    let delimiter = sniff_delimiter(path, encoding)?;
    let mut rows = Rows::open(path, encoding, delimiter, Arc::default())?;
    let header = match rows.next_record() {
        Some(Ok(record)) => record,
        Some(Err(e)) => return Err(AppError::validation("file", e)),
        None => {
            return Err(AppError::validation(
                "file",
                "is empty: expected a header row",
            ));
        }
    };
    if header.iter().all(|c| c.trim().is_empty()) {
        return Err(AppError::validation("file", "the header row is empty"));
    }
    let columns = unique_columns(&header);
    let mut sample = Vec::new();
    while sample.len() < SAMPLE_ROWS {
        match rows.next_record() {
            Some(Ok(record)) => sample.push(record),
            Some(Err(_)) | None => break,
        }
    }
    Ok(Described {
        size: i64::try_from(size).unwrap_or(i64::MAX),
        encoding,
        delimiter,
        columns,
        sample,
    })
}

/// Column names: trimmed; a blank one becomes `#n`, a repeated one `name (2)`.
fn unique_columns(header: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    header
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let base = match name.trim() {
                "" => format!("#{}", i + 1),
                s => s.to_owned(),
            };
            let mut name = base.clone();
            let mut n = 2;
            while !seen.insert(name.clone()) {
                name = format!("{base} ({n})");
                n += 1;
            }
            name
        })
        .collect()
}

/// The file's records, transcoded, one at a time.
pub struct Rows {
    reader: csv::Reader<Box<dyn Read + Send>>,
    record: csv::StringRecord,
}

impl Rows {
    /// Opens the file; `read` follows the raw bytes read.
    pub fn open(
        path: &Path,
        encoding: &'static Encoding,
        delimiter: u8,
        read: Arc<AtomicU64>,
    ) -> Result<Self, AppError> {
        let text: Box<dyn Read + Send> = Box::new(decoded(path, encoding, read)?);
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text);
        Ok(Self {
            reader,
            record: csv::StringRecord::new(),
        })
    }

    /// The next record's cells, an unreadable record's reason, or `None` at the end.
    pub fn next_record(&mut self) -> Option<Result<Vec<String>, String>> {
        match self.reader.read_record(&mut self.record) {
            Ok(true) => Some(Ok(self.record.iter().map(str::to_owned).collect())),
            Ok(false) => None,
            Err(e) => Some(Err(format!("unreadable CSV: {e}"))),
        }
    }
}

/// The text name of an encoding, as the API shows it.
pub fn encoding_name(encoding: &'static Encoding) -> String {
    encoding.name().to_ascii_lowercase()
}

/// The encoding a stored name means.
pub fn encoding_of(name: &str) -> &'static Encoding {
    Encoding::for_label(name.as_bytes()).unwrap_or(UTF_8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_check_handles_characters_split_across_chunks() {
        let text = "客户名称,省份\n华为,广东\n".as_bytes();
        for cut in 1..text.len() {
            let mut check = Utf8Check::default();
            check.feed(&text[..cut]);
            check.feed(&text[cut..]);
            assert!(check.finish(), "cut at {cut}");
        }
        let (gb, _, _) = GB18030.encode("客户名称,省份\n");
        let mut check = Utf8Check::default();
        check.feed(&gb);
        assert!(!check.finish(), "GB18030 Chinese is not UTF-8");
    }

    #[test]
    fn blank_and_repeated_columns_get_unique_names() {
        let header: Vec<String> = ["名称", "", "名称", " 电话 "]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            unique_columns(&header),
            vec!["名称", "#2", "名称 (2)", "电话"]
        );
    }
}
