//! A JPEG's frame layout and scan count, read from its markers before anything is decoded.
//!
//! The decoder's memory depends on the components and their sampling (progressive files
//! keep every DCT coefficient of the whole image until the end), and its time on how many
//! scans walk the image; both are known from the markers alone. The walk finds markers the
//! way `jpeg-decoder` does (skipping stray bytes up to the next `FF xx`), so it counts at
//! least the scans the decoder would decode.

/// Components (up to 4) with their sampling factors, and how the frame is coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegLayout {
    /// Stored width in pixels.
    pub width: u32,
    /// Stored height in pixels.
    pub height: u32,
    /// Horizontal and vertical sampling factor of each component, `count` of them used.
    pub sampling: [(u8, u8); 4],
    /// Number of components (1 grey, 3 YCbCr, 4 CMYK/YCCK).
    pub count: u8,
    /// Progressive DCT: the decoder keeps all coefficients of the image.
    pub progressive: bool,
    /// Start-of-scan markers in the file, counted up to just past the limit given.
    pub scans: u32,
}

impl JpegLayout {
    /// 8×8 blocks of each component, padded to whole MCUs as the decoder allocates them.
    fn blocks(&self) -> impl Iterator<Item = u64> + '_ {
        let h_max = self.used().map(|&(h, _)| h).max().unwrap_or(1).max(1);
        let v_max = self.used().map(|&(_, v)| v).max().unwrap_or(1).max(1);
        let mcus_x = u64::from(self.width).div_ceil(8 * u64::from(h_max));
        let mcus_y = u64::from(self.height).div_ceil(8 * u64::from(v_max));
        self.used()
            .map(move |&(h, v)| mcus_x * u64::from(h) * mcus_y * u64::from(v))
    }

    fn used(&self) -> impl Iterator<Item = &(u8, u8)> {
        self.sampling.iter().take(usize::from(self.count))
    }

    /// Bytes the decoder holds at once when decoding at 1/`shrink` scale, including the
    /// conversion to 8-bit RGB: coefficients (progressive only; 64 × i16 per block, at full
    /// scale whatever the shrink), component planes and the interleaved output.
    pub fn decode_bytes(&self, shrink: u32) -> u64 {
        let shrink = u64::from(shrink.max(1));
        let samples_per_block = (8 / shrink).pow(2);
        let coefficients: u64 = if self.progressive {
            self.blocks().map(|b| b * 64 * 2).sum()
        } else {
            0
        };
        let planes: u64 = self.blocks().map(|b| b * samples_per_block).sum();
        let pixels =
            u64::from(self.width).div_ceil(shrink) * u64::from(self.height).div_ceil(shrink);
        let output = pixels * u64::from(self.count);
        // Grey and CMYK become RGB in a second buffer.
        let converted = if self.count == 3 { 0 } else { pixels * 3 };
        coefficients + planes + output + converted
    }
}

/// Why the layout could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutError {
    /// No frame header before the data ran out.
    NoFrame,
    /// A frame header too short or with an impossible component count.
    BadFrame,
}

/// Reads the frame header and counts scans, stopping at the end of the image or once the
/// count passes `max_scans`.
pub fn read(bytes: &[u8], max_scans: u32) -> Result<JpegLayout, LayoutError> {
    let mut layout: Option<JpegLayout> = None;
    let mut scans = 0u32;
    let mut at = 2; // after SOI
    while let Some((marker, next)) = next_marker(bytes, at) {
        at = next;
        match marker {
            0xD9 => break,                  // end of image
            0x01 | 0xD0..=0xD8 => continue, // no length: TEM, RSTn, SOI
            _ => {}
        }
        let Some(len) = bytes
            .get(at..at + 2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
        else {
            break;
        };
        let payload = bytes
            .get(at + 2..(at + len).min(bytes.len()))
            .unwrap_or_default();
        match marker {
            // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC). Only the first frame counts,
            // as in the decoder.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) && layout.is_none() => {
                layout = Some(frame(payload, marker)?);
            }
            0xDA => {
                scans += 1;
                if scans > max_scans {
                    break;
                }
            }
            _ => {}
        }
        // Entropy-coded data after a scan header is skipped by `next_marker`, which only
        // stops at a real marker.
        at += len;
    }
    let mut layout = layout.ok_or(LayoutError::NoFrame)?;
    layout.scans = scans;
    Ok(layout)
}

/// The frame header's payload: precision, height, width, then per component id, sampling
/// (h << 4 | v) and quantisation table.
fn frame(payload: &[u8], marker: u8) -> Result<JpegLayout, LayoutError> {
    if payload.len() < 6 {
        return Err(LayoutError::BadFrame);
    }
    let height = u32::from(u16::from_be_bytes([payload[1], payload[2]]));
    let width = u32::from(u16::from_be_bytes([payload[3], payload[4]]));
    let count = payload[5];
    if !(1..=4).contains(&count) || payload.len() < 6 + 3 * usize::from(count) {
        return Err(LayoutError::BadFrame);
    }
    let mut sampling = [(1, 1); 4];
    for (i, s) in sampling.iter_mut().take(usize::from(count)).enumerate() {
        let hv = payload[6 + 3 * i + 1];
        *s = (hv >> 4, hv & 0x0F);
    }
    Ok(JpegLayout {
        width,
        height,
        sampling,
        count,
        // SOF2 (Huffman) and SOF10 (arithmetic, which the decoder refuses anyway).
        progressive: matches!(marker, 0xC2 | 0xCA),
        scans: 0,
    })
}

/// The next marker at or after `at`: skips bytes until `FF`, then fill bytes, and takes the
/// first byte that is neither `00` (stuffing in entropy-coded data) nor `FF`. Returns the
/// marker and the position just after it.
fn next_marker(bytes: &[u8], mut at: usize) -> Option<(u8, usize)> {
    loop {
        at += bytes.get(at..)?.iter().position(|&b| b == 0xFF)?;
        at += bytes.get(at..)?.iter().position(|&b| b != 0xFF)?;
        let marker = bytes[at];
        at += 1;
        if marker != 0x00 {
            return Some((marker, at));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_and_scans_are_read_and_entropy_data_skipped() {
        let mut f = vec![0xFF, 0xD8];
        // SOF2: 8-bit, 20 high, 30 wide, 3 components 2×2, 1×1, 1×1.
        f.extend_from_slice(&[0xFF, 0xC2, 0, 17, 8, 0, 20, 0, 30, 3]);
        f.extend_from_slice(&[1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        for _ in 0..3 {
            f.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0]);
            // Entropy-coded data with a stuffed FF 00, a restart marker and fill bytes.
            f.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF]);
        }
        f.extend_from_slice(&[0xFF, 0xD9, 0xFF, 0xDA, 0, 2]);
        let layout = read(&f, 100).unwrap();
        assert_eq!((layout.width, layout.height, layout.count), (30, 20, 3));
        assert_eq!(&layout.sampling[..3], &[(2, 2), (1, 1), (1, 1)]);
        assert!(layout.progressive);
        assert_eq!(layout.scans, 3, "nothing after the end of image counts");
        assert_eq!(
            read(&f, 1).unwrap().scans,
            2,
            "counting stops past the limit"
        );
        assert_eq!(read(&f[..4], 100), Err(LayoutError::NoFrame));
    }

    #[test]
    fn memory_follows_sampling_progression_and_scale() {
        let layout = |progressive, count| JpegLayout {
            width: 1600,
            height: 800,
            sampling: [(2, 2), (1, 1), (1, 1), (1, 1)],
            count,
            progressive,
            scans: 1,
        };
        // 4:2:0: 100×50 MCUs; luma 200×100 blocks, chroma 100×50 each = 30000 blocks.
        let baseline = layout(false, 3);
        let planes = 30_000 * 64;
        let output = 1600 * 800 * 3;
        assert_eq!(baseline.decode_bytes(1), planes + output);
        assert_eq!(baseline.decode_bytes(8), 30_000 + 200 * 100 * 3);
        assert_eq!(
            layout(true, 3).decode_bytes(8),
            30_000 * 128 + 30_000 + 200 * 100 * 3,
            "coefficients stay at full scale"
        );
        let grey = JpegLayout {
            sampling: [(1, 1); 4],
            ..layout(false, 1)
        };
        assert_eq!(grey.decode_bytes(1), 200 * 100 * 64 + 1600 * 800 * (1 + 3));
    }
}
