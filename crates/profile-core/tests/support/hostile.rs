//! Hostile pictures written byte by byte: huge claimed sizes with real (tiny, highly
//! compressible) data, so that a decoder that believes them really fills the memory.

/// Bits written most significant first, as JPEG entropy-coded data is, with `FF 00`
/// stuffing.
struct JpegBits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl JpegBits {
    fn new() -> Self {
        Self {
            out: Vec::new(),
            acc: 0,
            n: 0,
        }
    }

    fn put(&mut self, value: u32, bits: u32) {
        for i in (0..bits).rev() {
            self.acc = (self.acc << 1) | ((value >> i) & 1);
            self.n += 1;
            if self.n == 8 {
                self.byte(self.acc as u8);
            }
        }
    }

    fn byte(&mut self, b: u8) {
        self.out.push(b);
        if b == 0xFF {
            self.out.push(0);
        }
        self.acc = 0;
        self.n = 0;
    }

    /// Pads the last byte with ones, as encoders do.
    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            let pad = 8 - self.n;
            self.put((1 << pad) - 1, pad);
        }
        self.out
    }
}

fn segment(out: &mut Vec<u8>, marker: u8, payload: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
}

/// A flat grey JPEG of `width` × `height` with `components` (1, 3 or 4) components, all
/// sampled 1×1. Baseline: one interleaved scan. Progressive: the DC scan, then
/// `extra_ac_scans` AC scans of the first component, each one EOB run over all its blocks
/// (which must then be a multiple of 16384 for the run to be exact).
pub fn flat_jpeg(
    width: u16,
    height: u16,
    components: u8,
    progressive: bool,
    extra_ac_scans: u32,
) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    let mut dqt = vec![0u8];
    dqt.extend_from_slice(&[1; 64]);
    segment(&mut out, 0xDB, &dqt);
    let mut sof = vec![8];
    sof.extend_from_slice(&height.to_be_bytes());
    sof.extend_from_slice(&width.to_be_bytes());
    sof.push(components);
    for id in 1..=components {
        sof.extend_from_slice(&[id, 0x11, 0]);
    }
    segment(&mut out, if progressive { 0xC2 } else { 0xC0 }, &sof);
    // DC: categories 0 and 1, one bit each. AC: EOB, EOB run of 2^14 + 14 bits, EOB run of
    // 2 + 1 bit and run 0 size 1, two bits each. Both codes are complete.
    let mut dht = vec![0x00, 2];
    dht.extend_from_slice(&[0; 15]);
    dht.extend_from_slice(&[0, 1]);
    dht.extend_from_slice(&[0x10, 0, 4]);
    dht.extend_from_slice(&[0; 14]);
    dht.extend_from_slice(&[0x00, 0xE0, 0x10, 0x01]);
    segment(&mut out, 0xC4, &dht);
    let blocks = u64::from(width).div_ceil(8) * u64::from(height).div_ceil(8);
    let mut sos = vec![components];
    for id in 1..=components {
        sos.extend_from_slice(&[id, 0x00]);
    }
    let se = if progressive { 0 } else { 63 };
    sos.extend_from_slice(&[0, se, 0]);
    segment(&mut out, 0xDA, &sos);
    let mut bits = JpegBits::new();
    for _ in 0..blocks * u64::from(components) {
        bits.put(0, 1); // DC difference 0
        if !progressive {
            bits.put(0b00, 2); // EOB
        }
    }
    out.extend_from_slice(&bits.finish());
    if progressive {
        assert!(
            extra_ac_scans == 0 || blocks % 16384 == 0,
            "EOB runs cover whole multiples of 16384 blocks"
        );
        for _ in 0..extra_ac_scans {
            segment(&mut out, 0xDA, &[1, 1, 0x00, 1, 63, 0]);
            let mut bits = JpegBits::new();
            for _ in 0..blocks / 16384 {
                bits.put(0b01, 2); // EOB run of 2^14 …
                bits.put(0, 14); // … + 0
            }
            out.extend_from_slice(&bits.finish());
        }
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// Bits written least significant first, as deflate does.
struct DeflateBits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl DeflateBits {
    fn put(&mut self, value: u32, bits: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += bits;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code goes in starting from its most significant bit.
    fn code(&mut self, code: u32, bits: u32) {
        for i in (0..bits).rev() {
            self.put((code >> i) & 1, 1);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A zlib stream of `len` zero bytes at about 1000:1: one dynamic block where "copy 258
/// bytes from 1 back" costs two bits.
pub fn zlib_zeros(len: u64) -> Vec<u8> {
    assert!(len >= 1);
    let mut bits = DeflateBits {
        out: vec![0x78, 0x01],
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // final block
    bits.put(2, 2); // dynamic Huffman
    bits.put(286 - 257, 5); // literal/length codes 0..=285
    bits.put(2 - 1, 5); // distance codes 0 and 1
    bits.put(18 - 4, 4); // code length codes, in the permuted order up to symbol 1
                         // Order: 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1; lengths: 18 → 1, 2 → 2, 1 → 2.
    for sym in [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1] {
        let len = match sym {
            18 => 1,
            2 | 1 => 2,
            _ => 0,
        };
        bits.put(len, 3);
    }
    // Code length codes: 18 = "0", 1 = "10", 2 = "11".
    let len2 = |b: &mut DeflateBits| b.code(0b11, 2);
    let len1 = |b: &mut DeflateBits| b.code(0b10, 2);
    let zeros = |b: &mut DeflateBits, mut n: u32| {
        while n > 0 {
            let run = n.min(138);
            assert!(run >= 11);
            b.code(0, 1);
            b.put(run - 11, 7);
            n -= run;
        }
    };
    // Literal/length lengths: 0 → 2, 1..=255 → 0, 256 → 2, 257..=284 → 0, 285 → 1.
    len2(&mut bits);
    zeros(&mut bits, 138);
    zeros(&mut bits, 117);
    len2(&mut bits);
    zeros(&mut bits, 28);
    len1(&mut bits);
    // Distance lengths: 0 → 1, 1 → 1.
    len1(&mut bits);
    len1(&mut bits);
    // Codes: 285 = "0", literal 0 = "10", end of block = "11"; distance 0 (1 back) = "0".
    bits.code(0b10, 2);
    let rest = len - 1;
    for _ in 0..rest / 258 {
        bits.code(0, 1);
        bits.code(0, 1);
    }
    for _ in 0..rest % 258 {
        bits.code(0b10, 2);
    }
    bits.code(0b11, 2);
    let mut out = bits.finish();
    let adler = ((len % 65521) << 16) as u32 | 1;
    out.extend_from_slice(&adler.to_be_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Appends a PNG chunk: length, kind, data and CRC.
pub fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A black PNG of `width` × `height` with the given bit depth and colour type (2 RGB,
/// 6 RGBA) whose pixel data is real: every row is there, compressed about 1000:1.
pub fn flat_png(width: u32, height: u32, depth: u8, colour: u8) -> Vec<u8> {
    let channels: u64 = match colour {
        2 => 3,
        6 => 4,
        _ => panic!("colour type {colour}"),
    };
    let row = 1 + u64::from(width) * channels * u64::from(depth) / 8;
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[depth, colour, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", &zlib_zeros(row * u64::from(height)));
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A PNG header claiming `width` × `height` RGBA with almost no data: the classic bomb.
pub fn claiming_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", &zlib_zeros(1024));
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A GIF whose canvas is `canvas` but whose first frame is `frame` (at 0, 0), with a few
/// pixels of data.
pub fn gif_with_frame(canvas: (u16, u16), frame: (u16, u16)) -> Vec<u8> {
    let mut out = b"GIF89a".to_vec();
    out.extend_from_slice(&canvas.0.to_le_bytes());
    out.extend_from_slice(&canvas.1.to_le_bytes());
    out.extend_from_slice(&[0x80, 0, 0]); // global colour table of 2 entries
    out.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
    out.push(0x2C);
    out.extend_from_slice(&[0, 0, 0, 0]); // left, top
    out.extend_from_slice(&frame.0.to_le_bytes());
    out.extend_from_slice(&frame.1.to_le_bytes());
    out.push(0); // no local table, not interlaced
                 // LZW, minimum code size 2: clear (4), index 0, end (5), three bits each, LSB first.
    out.extend_from_slice(&[2, 2, 0b0000_0100, 0b0000_0101, 0]);
    out.push(0x3B);
    out
}

/// A WebP whose extended header (VP8X) claims a `width` × `height` canvas.
pub fn claiming_webp(width: u32, height: u32) -> Vec<u8> {
    let mut vp8x = vec![0u8; 4];
    vp8x.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    let mut body = b"WEBP".to_vec();
    body.extend_from_slice(b"VP8X");
    body.extend_from_slice(&(vp8x.len() as u32).to_le_bytes());
    body.extend_from_slice(&vp8x);
    // A lossless image chunk that is too short to be anything.
    body.extend_from_slice(b"VP8L");
    body.extend_from_slice(&5u32.to_le_bytes());
    body.extend_from_slice(&[0x2F, 0, 0, 0, 0, 0]);
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}
