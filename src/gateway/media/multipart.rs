//! The head of a `multipart/form-data` upload: its form fields up to the file and the
//! file's first bytes, read from a buffer that grows as the body arrives. The gateway needs
//! `model` (to route, check and rewrite it) and, for WAV files, the header that says how
//! long the audio is; the file itself is relayed as it comes and never parsed. OpenAI's SDKs
//! send the fields before the file, so the head is small; a form whose `model` comes after
//! the file is read through the file first, which the body limit bounds.

use serde_json::{Map, Value};
use std::ops::Range;

/// How many bytes of the file the head keeps (a WAV header with its usual chunks).
pub const FILE_HEAD: usize = 256;
/// The longest header block of one part.
const PART_HEADERS: usize = 16 * 1024;

/// What the head holds so far.
#[derive(Debug, Default, PartialEq)]
pub struct Head {
    /// The text fields read (the file's part excluded).
    pub fields: Map<String, Value>,
    /// Where `model`'s value is in the buffer.
    pub model: Option<Range<usize>>,
    /// Where the (first) file's content starts in the buffer.
    pub file: Option<usize>,
}

#[derive(Debug, PartialEq)]
pub enum Scan {
    /// Read more of the body.
    More,
    /// The head is complete: `model` and the file's first bytes are in, or the form ended.
    Ready(Head),
}

/// The boundary named by a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|param| {
        let (name, value) = param.split_once('=')?;
        let value = value.trim().trim_matches('"');
        (name.trim().eq_ignore_ascii_case("boundary") && !value.is_empty()).then(|| value.to_string())
    })
}

/// Reads `buffer` (the body so far; `ended` when it is all of it) as far as it goes.
pub fn scan(buffer: &[u8], boundary: &str, ended: bool) -> Result<Scan, String> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut head = Head::default();
    let Some(mut at) = find(buffer, delimiter, 0) else { return more(head, ended) };
    loop {
        let after = at + delimiter.len();
        if buffer.len() < after + 2 {
            return more(head, ended);
        }
        if &buffer[after..after + 2] == b"--" {
            return Ok(Scan::Ready(head));
        }
        let headers_start = after + 2;
        let Some(headers_end) = find(buffer, b"\r\n\r\n", headers_start) else {
            if buffer.len() - headers_start > PART_HEADERS {
                return Err("a part's headers of the multipart form are too long".into());
            }
            return more(head, ended);
        };
        let headers = String::from_utf8_lossy(&buffer[headers_start..headers_end]);
        let (name, is_file) = disposition(&headers).ok_or("a part of the multipart form has no name")?;
        let content = headers_end + 4;
        if is_file && head.file.is_none() {
            head.file = Some(content);
            if head.model.is_some() && buffer.len() >= content + FILE_HEAD {
                return Ok(Scan::Ready(head));
            }
        }
        let mut end_marker = b"\r\n".to_vec();
        end_marker.extend_from_slice(delimiter);
        let Some(end) = find(buffer, &end_marker, content) else { return more(head, ended) };
        if !is_file {
            let value = String::from_utf8_lossy(&buffer[content..end]).into_owned();
            if name == "model" {
                head.model = Some(content..end);
            }
            head.fields.insert(name, Value::String(value));
        }
        if head.model.is_some() && head.file.is_some_and(|file| end >= file) {
            return Ok(Scan::Ready(head));
        }
        at = end + 2;
    }
}

fn more(head: Head, ended: bool) -> Result<Scan, String> {
    Ok(if ended { Scan::Ready(head) } else { Scan::More })
}

/// A part's field name and whether it carries a file (`filename=`).
fn disposition(headers: &str) -> Option<(String, bool)> {
    let line = headers.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    let mut name = None;
    let mut is_file = false;
    for param in line.split(';').skip(1) {
        let Some((key, value)) = param.split_once('=') else { continue };
        let value = value.trim().trim_matches('"').to_string();
        match key.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(value),
            "filename" | "filename*" => is_file = true,
            _ => {}
        }
    }
    Some((name?, is_file))
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > haystack.len() || needle.is_empty() {
        return None;
    }
    haystack[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// The length in seconds of a WAV file from its first bytes (`RIFF`/`WAVE`, the `fmt `
/// chunk's byte rate, the `data` chunk's size); `None` for anything else.
pub fn wav_seconds(file: &[u8]) -> Option<f64> {
    if file.len() < 12 || &file[0..4] != b"RIFF" || &file[8..12] != b"WAVE" {
        return None;
    }
    let le32 = |at: usize| file.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let mut at = 12;
    let mut byte_rate = None;
    while at + 8 <= file.len() {
        let size = le32(at + 4)?;
        match &file[at..at + 4] {
            b"fmt " => byte_rate = le32(at + 16),
            // A streamed WAV's unknown size is written as the largest value.
            b"data" if size != u32::MAX => {
                return byte_rate.filter(|r| *r > 0).map(|rate| f64::from(size) / f64::from(rate));
            }
            b"data" => return None,
            _ => {}
        }
        at += 8 + size as usize + (size as usize & 1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (name, filename, value) in parts {
            body.extend_from_slice(b"--XyZ\r\n");
            let file = filename.map(|f| format!("; filename=\"{f}\"")).unwrap_or_default();
            body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"{file}\r\n").as_bytes());
            if filename.is_some() {
                body.extend_from_slice(b"Content-Type: audio/wav\r\n");
            }
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--XyZ--\r\n");
        body
    }

    #[test]
    fn reads_the_boundary() {
        assert_eq!(boundary("multipart/form-data; boundary=abc").as_deref(), Some("abc"));
        assert_eq!(boundary("Multipart/Form-Data;boundary=\"a b\"").as_deref(), Some("a b"));
        assert_eq!(boundary("application/json"), None);
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn fields_before_the_file_are_read_without_the_rest_of_it() {
        let file = vec![7u8; 10_000];
        let body = form(&[("model", None, b"whisper"), ("language", None, b"en"), ("file", Some("a.wav"), &file)]);
        for cut in [10, 60, 120] {
            assert_eq!(scan(&body[..cut], "XyZ", false), Ok(Scan::More), "cut at {cut}");
        }
        let Ok(Scan::Ready(head)) = scan(&body[..600], "XyZ", false) else { panic!("ready within the file's head") };
        let model = head.model.clone().unwrap();
        assert_eq!(&body[model], b"whisper");
        assert_eq!(head.fields["language"], "en");
        assert_eq!(body[head.file.unwrap()], 7);
    }

    #[test]
    fn a_model_after_the_file_is_found_past_it() {
        let body = form(&[("file", Some("a.wav"), &[1u8; 3000]), ("model", None, b"w2")]);
        assert_eq!(scan(&body[..2000], "XyZ", false), Ok(Scan::More));
        let Ok(Scan::Ready(head)) = scan(&body, "XyZ", false) else { panic!("ready") };
        assert_eq!(&body[head.model.unwrap()], b"w2");
        // A form without a model ends with none.
        let body = form(&[("file", Some("a.wav"), b"x")]);
        let Ok(Scan::Ready(head)) = scan(&body, "XyZ", true) else { panic!("ready") };
        assert!(head.model.is_none() && head.file.is_some());
    }

    #[test]
    fn a_wav_header_gives_the_length() {
        let mut wav = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        wav.extend_from_slice(&16u32.to_le_bytes());
        wav.extend_from_slice(&[1, 0, 1, 0]); // PCM, mono
        wav.extend_from_slice(&16_000u32.to_le_bytes()); // sample rate
        wav.extend_from_slice(&32_000u32.to_le_bytes()); // byte rate
        wav.extend_from_slice(&[2, 0, 16, 0]);
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&48_000u32.to_le_bytes());
        assert_eq!(wav_seconds(&wav), Some(1.5));
        assert_eq!(wav_seconds(b"ID3 not a wav"), None);
    }
}
