"""Regenerate the README's demo figure from a demo run, with the numbers it shows, and check the README's demo numbers.

    python scripts/readme_demo.py [DEMO]          # copy DEMO/run's accuracy figure to docs/, write docs/demo_report_layers.json
    python scripts/readme_demo.py [DEMO] --check  # only compare: README and docs/ against DEMO's results (exit 1 on a mismatch)

`make demo` makes DEMO (default `demo`). tests/test_readme_demo.py runs the check.
"""
import argparse, hashlib, json, re, shutil, sys
from pathlib import Path
import numpy as np, pandas as pd

REPO = Path(__file__).resolve().parents[1]
FIGURE, NUMBERS = REPO / "docs" / "demo_report_layers.png", REPO / "docs" / "demo_report_layers.json"
# What the README's demo paragraph quotes, in its order: (run, probe, protocol, column, layer: 'best' = the highest value)
QUOTED = [("run", "logreg", "speaker", "value", "best"), ("run", "logreg", "speaker", "null_mean", "best"),
          ("run_mfcc", "logreg", "speaker", "value", 0), ("run_mfcc", "logreg", "speaker", "ci_low", 0),
          ("run_mfcc", "logreg", "speaker", "ci_high", 0), ("run_mfcc", "logreg", "speaker", "null_mean", 0),
          ("run_mfcc", "logreg", "kfold", "value", 0), ("run_mfcc", "logreg", "seed", "value", 0),
          ("run_mfcc", "logreg", "kfold", "clip_null_mean", 0), ("run_mfcc", "logreg", "seed", "clip_null_mean", 0)]

def curves(run: Path) -> pd.DataFrame:
    "The accuracy curves the report's main figure draws: every probe x protocol on all items, with each protocol's null"
    table = pd.read_csv(run / "results.csv")
    table = table[(table.task == "label") & (table.metric == "accuracy") & (table.scope == "all")]
    return table[["probe", "protocol", "layer", "value", "ci_low", "ci_high", "null_mean", "clip_null_mean"]].reset_index(drop=True)

def quoted_values(demo: Path) -> list[float]:
    "The numbers the README quotes, read from the demo's results"
    values = []
    for run, probe, protocol, column, layer in QUOTED:
        rows = curves(demo / run).query("probe == @probe and protocol == @protocol")
        row = rows.loc[rows.value.idxmax()] if layer == "best" else rows[rows.layer == layer].iloc[0]
        values.append(float(row[column]))
    return values

def readme_numbers() -> list[float]:
    "The numbers in the README's demo paragraph (from 'its report says so' to 'The real job'), in order, without counts"
    text = (REPO / "README.md").read_text()
    paragraph = text[text.index("its report says so from the numbers"):text.index("The real job is `indic-probe run`")]
    return [float(n) for n in re.findall(r"(?<![\w/])0\.\d+", paragraph)]

def figure_numbers(demo: Path) -> dict:
    "What docs/demo_report_layers.json records: the figure's source and checksum, and the numbers it draws"
    source = demo / "run" / "figures" / "accuracy_per_layer.png"
    return {"source": "run/figures/accuracy_per_layer.png", "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
            "curves": curves(demo / "run").round(4).to_dict(orient="records")}

def mismatches(demo: Path, tolerance: float = 0.015) -> list[str]:
    "Where the README or docs/ disagree with the demo (numbers rounded as the README rounds them)"
    problems, readme, expected = [], readme_numbers(), quoted_values(demo)
    if len(readme) != len(expected): problems.append(f"README quotes {len(readme)} demo numbers, {len(expected)} expected ({QUOTED})")
    for got, want, what in zip(readme, expected, QUOTED):
        if abs(got - want) > tolerance: problems.append(f"README says {got} for {what}, the demo {want:.3f}")
    recorded = pd.DataFrame(json.loads(NUMBERS.read_text())["curves"])
    fresh = curves(demo / "run")
    if len(recorded) != len(fresh): problems.append(f"docs figure draws {len(recorded)} points, the demo {len(fresh)}")
    else:
        gap = np.abs(recorded[["value", "null_mean"]].to_numpy() - fresh[["value", "null_mean"]].to_numpy()).max()
        if gap > tolerance: problems.append(f"docs figure's numbers differ from the demo's by up to {gap:.3f}")
    return problems

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("demo", nargs="?", default="demo", type=Path)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if not args.check:
        shutil.copyfile(args.demo / "run" / "figures" / "accuracy_per_layer.png", FIGURE)
        NUMBERS.write_text(json.dumps(figure_numbers(args.demo), indent=1) + "\n")
        print(f"{FIGURE.relative_to(REPO)} and {NUMBERS.relative_to(REPO)} from {args.demo}")
    problems = mismatches(args.demo)
    print("\n".join(problems) or "README and docs/ agree with the demo")
    sys.exit(1 if problems else 0)

if __name__ == "__main__": main()
