//! Shared by the benches: a seeded generator, short Vietnamese name lists, and a child
//! process waited for with its peak memory.
#![allow(dead_code)] // each bench uses part of it

/// xorshift64* — fast, seeded, good enough for bench data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

pub const SURNAMES: &[&str] = &[
    "Nguyễn", "Giàng", "Vàng", "Lò", "Sùng", "Tẩn", "Lường", "Quàng", "Chu", "Lý", "Trần", "Hoàng", "Phàn", "Chảo",
    "Thào",
];
pub const MIDDLE_M: &[&str] = &["Văn", "A", "Seo", "Đức", "Minh"];
pub const MIDDLE_F: &[&str] = &["Thị", "Thị", "Ngọc", "Thanh"];
pub const GIVEN: &[&str] = &[
    "Páo", "Mỷ", "Ánh", "Xuân", "Hòa", "Thủy", "Lở", "Xá", "Dình", "Mai", "Nam", "Chứ", "Hoa", "Kiên", "Lan", "Minh",
    "Phúc", "Mẩy", "Sềnh", "Tươi", "Hạnh", "Tả", "Hương", "Pâng", "Sính", "Chà", "Dế", "Vần", "Lìn", "Tủa",
];
pub const COMMUNES: &[&str] = &[
    "03388", "03390", "03394", "03405", "03408", "03424", "03430", "03433", "03434", "03439", "03442", "03445",
    "03451", "03460", "03463", "03466", "03472", "03478", "03487", "03503", "03508", "03517", "03529", "03532",
    "03538", "03544", "03549", "03562", "03571", "03583", "03595", "03598", "03601", "03613", "03616", "03618",
    "03637", "03640",
];

/// Waits for a child to end (it must succeed); gives its wall time since `start` and its
/// peak resident memory in GB.
pub fn wait(child: std::process::Child, start: std::time::Instant) -> (f64, f64) {
    let pid = child.id() as libc::pid_t;
    // SAFETY: wait4 reaps this child (ours, not yet waited for) and fills `usage`.
    let (status, usage) = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let mut status = 0;
        libc::wait4(pid, &mut status, 0, &mut usage);
        (status, usage)
    };
    assert!(libc::WIFEXITED(status) && matches!(libc::WEXITSTATUS(status), 0 | 3), "a doisoat process failed");
    // Reaped: dropping the handle neither waits nor kills.
    drop(child);
    (start.elapsed().as_secs_f64(), usage.ru_maxrss as f64 * 1024.0 / 1e9)
}
