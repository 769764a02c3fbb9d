//! The fast path for gzip files: the whole file inflated at once by libdeflate (about twice as
//! fast per core as a streaming inflater), into buffers each worker thread reuses, so a 100-event
//! delivery object costs no allocation. Every member of a multi-member file (`cat a.gz b.gz`) is
//! inflated, one after another.
//!
//! It is only a fast path: a file it cannot inflate whole (damaged, trailing garbage, larger than
//! [`MAX_COMPRESSED`] or inflating past [`MAX_INFLATED`]) is read again by the streaming decoder,
//! which keeps the records before the damage and reports it exactly as before. Memory stays
//! bounded: at most [`MAX_COMPRESSED`] + [`MAX_INFLATED`] per worker thread.

use std::cell::RefCell;
use std::io::Read;
use std::ptr::NonNull;

use libdeflate_sys as sys;

/// Files larger than this (compressed) are streamed. CloudTrail delivery objects are well under
/// a megabyte.
pub const MAX_COMPRESSED: u64 = 8 << 20;
/// Output larger than this is streamed instead (a gzip of whitespace inflates to gigabytes).
pub const MAX_INFLATED: usize = 16 << 20;

/// A libdeflate decompressor.
struct Decompressor(NonNull<sys::libdeflate_decompressor>);

// SAFETY: a libdeflate decompressor holds no thread-local state; it is used by one thread at a
// time (it lives in a thread local).
unsafe impl Send for Decompressor {}

impl Decompressor {
    fn new() -> Option<Decompressor> {
        // SAFETY: no arguments; a null return (out of memory) is handled.
        NonNull::new(unsafe { sys::libdeflate_alloc_decompressor() }).map(Decompressor)
    }

    /// Inflate one gzip member from the start of `input` into the spare capacity of `out`, at
    /// most `room` bytes: `Ok(Some((consumed, written)))`, `Ok(None)` when that is too little
    /// room, `Err(())` when the data is not a valid member.
    fn member(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        room: usize,
    ) -> Result<Option<(usize, usize)>, ()> {
        let spare = out.spare_capacity_mut();
        let n = room.min(spare.len());
        let spare = &mut spare[..n];
        let (mut consumed, mut written) = (0usize, 0usize);
        // SAFETY: `input` is readable for its length; `spare` is writable for its length and
        // libdeflate writes at most that many bytes; both out-pointers are valid.
        let result = unsafe {
            sys::libdeflate_gzip_decompress_ex(
                self.0.as_ptr(),
                input.as_ptr().cast(),
                input.len(),
                spare.as_mut_ptr().cast(),
                spare.len(),
                &mut consumed,
                &mut written,
            )
        };
        match result {
            sys::libdeflate_result_LIBDEFLATE_SUCCESS if written <= spare.len() => {
                // SAFETY: libdeflate initialised `written` bytes of the spare capacity.
                unsafe { out.set_len(out.len() + written) };
                Ok(Some((consumed, written)))
            }
            sys::libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE => Ok(None),
            _ => Err(()),
        }
    }
}

impl Drop for Decompressor {
    fn drop(&mut self) {
        // SAFETY: allocated by libdeflate_alloc_decompressor, freed once.
        unsafe { sys::libdeflate_free_decompressor(self.0.as_ptr()) }
    }
}

/// One worker's reusable state.
struct Whole {
    decompressor: Option<Decompressor>,
    compressed: Vec<u8>,
    inflated: Vec<u8>,
}

thread_local! {
    static WHOLE: RefCell<Whole> = const {
        RefCell::new(Whole {
            decompressor: None,
            compressed: Vec::new(),
            inflated: Vec::new(),
        })
    };
}

/// Inflate every member of `gz` into `out` (cleared first), never past `max`; `false` when that
/// could not be done (the caller streams the file instead).
fn inflate_all(d: &mut Decompressor, gz: &[u8], out: &mut Vec<u8>, max: usize) -> bool {
    out.clear();
    let mut rest = gz;
    while !rest.is_empty() {
        // A member's size is in its last four bytes; the file's last four are the last member's.
        // A first guess, grown on demand: the trailer may lie.
        let isize = gz
            .len()
            .checked_sub(4)
            .map(|at| u32::from_le_bytes([gz[at], gz[at + 1], gz[at + 2], gz[at + 3]]) as usize)
            .unwrap_or(0);
        let mut room = isize.clamp(64 << 10, max.max(64 << 10));
        loop {
            if out.len() + room > max {
                room = max.saturating_sub(out.len());
            }
            out.reserve_exact(room);
            match d.member(rest, out, room) {
                Ok(Some((consumed, _))) if consumed > 0 => {
                    rest = &rest[consumed..];
                    break;
                }
                Ok(None) if out.len() + room < max => room = room.saturating_mul(2).max(64 << 10),
                _ => return false,
            }
        }
    }
    true
}

/// The inflated content of the gzip file `file` (`len` bytes long), handed to `read`; `None`
/// when the fast path does not apply (not gzip, too large, damaged: the caller rewinds the file
/// and streams it).
pub fn with_inflated<T>(
    file: &mut std::fs::File,
    len: u64,
    max_inflated: usize,
    read: impl FnOnce(&[u8]) -> T,
) -> Option<T> {
    if len > MAX_COMPRESSED {
        return None;
    }
    with_whole(|whole| {
        let mut compressed = std::mem::take(&mut whole.compressed);
        compressed.clear();
        let ok = file
            .take(MAX_COMPRESSED + 1)
            .read_to_end(&mut compressed)
            .is_ok();
        let out = ok
            .then(|| inflate_into(whole, &compressed, max_inflated))
            .flatten();
        whole.compressed = compressed;
        out.map(|()| read(&whole.inflated))
    })
}

/// As [`with_inflated`], for gzip bytes already in memory.
pub fn with_inflated_bytes<T>(
    gz: &[u8],
    max_inflated: usize,
    read: impl FnOnce(&[u8]) -> T,
) -> Option<T> {
    with_whole(|whole| {
        inflate_into(whole, gz, max_inflated)?;
        Some(read(&whole.inflated))
    })
}

/// This thread's buffers and decompressor (`None` if they are in use: a nested read streams).
fn with_whole<T>(f: impl FnOnce(&mut Whole) -> Option<T>) -> Option<T> {
    WHOLE.with(|cell| {
        let mut whole = cell.try_borrow_mut().ok()?;
        if whole.decompressor.is_none() {
            whole.decompressor = Decompressor::new();
        }
        f(&mut whole)
    })
}

/// Inflate `gz` into `whole.inflated`; `None` when the fast path does not apply.
fn inflate_into(whole: &mut Whole, gz: &[u8], max_inflated: usize) -> Option<()> {
    if gz.len() as u64 > MAX_COMPRESSED || !gz.starts_with(&[0x1f, 0x8b]) {
        return None;
    }
    // A header with its own checksum (FHCRC): libdeflate does not check it, the streaming
    // decoder does. Rare; streamed.
    if gz.get(3).is_some_and(|flags| flags & 0x02 != 0) {
        return None;
    }
    let Whole {
        decompressor,
        inflated,
        ..
    } = whole;
    let d = decompressor.as_mut()?;
    inflate_all(d, gz, inflated, max_inflated.min(MAX_INFLATED)).then_some(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn inflate(data: &[u8], max: usize) -> Option<Vec<u8>> {
        let mut d = Decompressor::new().unwrap();
        let mut out = Vec::new();
        inflate_all(&mut d, data, &mut out, max).then_some(out)
    }

    #[test]
    fn every_member_is_inflated() {
        let mut two = gz(b"{\"Records\":[1]}\n");
        two.extend(gz(b"{\"Records\":[2]}\n"));
        // The same member twice: equal sizes, which a size check alone would not tell apart.
        two.extend(gz(b"{\"Records\":[2]}\n"));
        assert_eq!(
            inflate(&two, MAX_INFLATED).unwrap(),
            b"{\"Records\":[1]}\n{\"Records\":[2]}\n{\"Records\":[2]}\n"
        );
    }

    #[test]
    fn a_lying_trailer_only_costs_a_retry() {
        let text = vec![b'x'; 1 << 20];
        let mut data = gz(&text);
        let n = data.len();
        data[n - 4..].copy_from_slice(&16u32.to_le_bytes());
        // The CRC and size in the trailer are checked by libdeflate: a forged size is bad data,
        // and the streaming decoder reports it.
        assert_eq!(inflate(&data, MAX_INFLATED), None);
        assert_eq!(inflate(&gz(&text), MAX_INFLATED).unwrap(), text);
    }

    #[test]
    fn output_past_the_cap_and_damage_fall_back() {
        let big = gz(&vec![b' '; 4 << 20]);
        assert_eq!(inflate(&big, 1 << 20), None);
        let mut cut = gz(b"{\"Records\":[]}");
        cut.truncate(cut.len() - 6);
        assert_eq!(inflate(&cut, MAX_INFLATED), None);
        let mut trailing = gz(b"{}");
        trailing.extend_from_slice(b"garbage");
        assert_eq!(inflate(&trailing, MAX_INFLATED), None);
    }
}
