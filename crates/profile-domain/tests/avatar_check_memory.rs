//! The peak memory of refusing a picture whose header lies about its size, measured by this
//! test binary's own allocator (the only test in it, so nothing else allocates meanwhile).

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
        PEAK.fetch_max(live, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes allocated at the peak of `work`, above what was live before it.
fn peak_of(work: impl FnOnce()) -> usize {
    let before = LIVE.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    work();
    PEAK.load(Ordering::SeqCst) - before
}

#[test]
fn lying_headers_are_refused_with_flat_memory() {
    let jpeg = support::jpeg_claiming(65535);
    let png = support::png_claiming(65535);
    let whole = support::jpeg(512, 512, true);
    let jpeg_peak =
        peak_of(|| assert!(profile_domain::avatar::check("image/jpeg", &jpeg).is_err()));
    let png_peak = peak_of(|| assert!(profile_domain::avatar::check("image/png", &png).is_err()));
    let real_peak =
        peak_of(|| assert!(profile_domain::avatar::check("image/jpeg", &whole).is_ok()));
    eprintln!("peak bytes: lying JPEG {jpeg_peak}, lying PNG {png_peak}, real 512² progressive JPEG {real_peak}");
    // 65535² RGB would be 12 GiB; the refusals stay within a few pages.
    assert!(jpeg_peak < 64 * 1024, "{jpeg_peak}");
    assert!(png_peak < 256 * 1024, "{png_peak}");
    // A real avatar is decoded within the fixed budget.
    assert!(real_peak < 8 * 1024 * 1024, "{real_peak}");
}
