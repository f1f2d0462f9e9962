"""Prepares the side-by-side run of doisoat and Splink (../shared/anchors/splink) on the
same files: a generated province's population (left) and its insurance registry with
every ID removed, cut to N records (right), plus the true pairs.

    doisoat generate --people 1000000 --seed 5 --out P
    python3 benches/splink/prepare.py P OUT [N]      # N = 100000

Writes OUT/population.csv (UTF-8, the generator's), OUT/registry.csv (UTF-8, ID column
empty), OUT/truth_pairs.csv (left_id,right_id), OUT/truth/insurance.csv (for
`doisoat evaluate`), OUT/job.toml and OUT/rules/ (doisoat's)."""
import csv, os, shutil, sys, unicodedata

src, out = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
os.makedirs(os.path.join(out, "truth"), exist_ok=True)
shutil.copy(os.path.join(src, "population.csv"), os.path.join(out, "population.csv"))
shutil.copytree(os.path.join(src, "rules"), os.path.join(out, "rules"), dirs_exist_ok=True)
truth = {r["record_id"]: r for r in csv.DictReader(open(os.path.join(src, "truth/insurance.csv"), encoding="utf-8"))}
# Windows-1258 keeps tones as combining marks: compose them (NFC) for both tools.
with open(os.path.join(src, "bhxh.csv"), encoding="cp1258") as f:
    rows = [[unicodedata.normalize("NFC", c) for c in r] for r in csv.reader(f)]
header, data = rows[0], rows[1:]
id_col = header.index("Số CCCD/CMND")
kept = []
for r in data:
    t = truth[r[0]]
    if len(r) != len(header) or "REJECTED_ROW" in t["codes"]:
        continue
    r[id_col] = ""
    kept.append(r)
    if len(kept) == n:
        break
with open(os.path.join(out, "registry.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(header)
    w.writerows(kept)
with open(os.path.join(out, "truth_pairs.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(["left_id", "right_id"])
    for r in kept:
        if truth[r[0]]["person_id"]:
            w.writerow([truth[r[0]]["person_id"], r[0]])
with open(os.path.join(out, "truth/insurance.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(["record_id", "person_id", "codes"])
    for r in kept:
        w.writerow([r[0], truth[r[0]]["person_id"], "ID_MISSING"])
open(os.path.join(out, "job.toml"), "w", encoding="utf-8").write('''province = "12"
run_root = "runs"

[population]
file = "population.csv"
rules = "rules/population.toml"

[[registry]]
agency = "insurance"
name = "BHXH (IDs removed)"
file = "registry.csv"
rules = "rules/insurance.toml"
''')
print(f"{len(kept)} registry records, truth pairs written to {out}")
