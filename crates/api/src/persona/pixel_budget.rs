//! Decoded pictures in flight at once, summed over the import workers.
//!
//! Each picture may have up to the card limit's 100 million pixels (400 MB decoded), and an
//! import runs up to eight workers; without a shared budget, eight such pictures would be
//! decoded at once. A worker holds the picture's pixels from the budget while it makes the
//! thumbnail, and waits while others hold too much.

use std::sync::{Condvar, Mutex};

pub struct PixelBudget {
    total: u64,
    in_use: Mutex<u64>,
    freed: Condvar,
}

/// Pixels held from the budget; given back when dropped.
pub struct Held<'a> {
    budget: &'a PixelBudget,
    pixels: u64,
}

impl PixelBudget {
    pub fn new(total: u64) -> Self {
        PixelBudget {
            total,
            in_use: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Waits until `pixels` fit beside what others hold. A picture bigger than the whole
    /// budget waits for the budget to be empty, then runs alone.
    pub fn hold(&self, pixels: u64) -> Held<'_> {
        let pixels = pixels.min(self.total);
        let mut in_use = self.in_use.lock().unwrap_or_else(|e| e.into_inner());
        while *in_use + pixels > self.total {
            in_use = self.freed.wait(in_use).unwrap_or_else(|e| e.into_inner());
        }
        *in_use += pixels;
        Held {
            budget: self,
            pixels,
        }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let mut in_use = self.budget.in_use.lock().unwrap_or_else(|e| e.into_inner());
        *in_use -= self.pixels;
        self.budget.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn what_is_held_at_once_never_passes_the_budget() {
        let budget = PixelBudget::new(100);
        let now = AtomicU64::new(0);
        let most = AtomicU64::new(0);
        std::thread::scope(|scope| {
            for n in 0..8u64 {
                let (budget, now, most) = (&budget, &now, &most);
                scope.spawn(move || {
                    for _ in 0..20 {
                        let pixels = 30 + n * 10;
                        let _held = budget.hold(pixels);
                        let at_once = now.fetch_add(pixels, Ordering::SeqCst) + pixels;
                        most.fetch_max(at_once, Ordering::SeqCst);
                        std::thread::yield_now();
                        now.fetch_sub(pixels, Ordering::SeqCst);
                    }
                });
            }
        });
        assert!(most.load(Ordering::SeqCst) <= 100, "{most:?}");
        assert!(
            most.load(Ordering::SeqCst) >= 60,
            "two pictures did share the budget"
        );
    }

    #[test]
    fn a_picture_bigger_than_the_budget_still_runs_alone() {
        let budget = PixelBudget::new(100);
        let held = budget.hold(1_000);
        assert_eq!(held.pixels, 100);
    }
}
