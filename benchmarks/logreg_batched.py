"""Batched, converged logistic regression (`probe.fold_logreg`) against scikit-learn, side by side in one run.

One outer speaker-disjoint fold of the sweep benchmark's layer 9 (8,000 x 768, 6 classes; the synthetic layer of
`sweep_probe_speed.py`) and the fits a logreg run makes on it: 3 speaker-disjoint selection folds x the C grid, plus
the whole training part at every C. Three ways to fit that same set, each on one thread:

- `old`: scikit-learn's lbfgs as this package ran it before (tol 1e-3, max_iter 200, warm-started along the C path):
  stopped early, so its numbers depended on where it stopped;
- `sklearn`: scikit-learn's lbfgs run to convergence (tol 1e-5 on the same mean objective, max_iter 10,000,
  warm-started along the C path);
- `batched`: `fold_basis` + `fold_logreg`: every fit of the fold in one batched L-BFGS (tol `LOGREG_TOL`).

Prints seconds and the ratios, then per C on the whole training part: each way's test accuracy, and the relative
distance of its coefficients from a tight reference (scikit-learn at tol 1e-8), plus the C each way selects.

    python benchmarks/logreg_batched.py                 # the full problem
    python benchmarks/logreg_batched.py --items 2000    # a quick look
"""
import argparse, sys, time, warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
sys.path.insert(0, str(Path(__file__).resolve().parent))


def sklearn_path(X, y, grid, tol, max_iter):
    "One scikit-learn lbfgs fit per C, ascending, each warm-started from the last (as the old `logreg_path`)"
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    model, fits, iterations = LogisticRegression(tol=tol, max_iter=max_iter, warm_start=True), [], []
    for C in grid:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.set_params(C=C).fit(X, y)
        fits.append((model.coef_.copy(), model.intercept_.copy())); iterations.append(int(model.n_iter_[0]))
    return fits, iterations


def predict(coef, intercept, X):
    return (X @ coef.T + intercept).argmax(1)


def sklearn_fold(X_train, y_train, X_test, y_test, folds, grid, tol, max_iter):
    "The fold's fits with scikit-learn: C chosen on the selection folds, returns (per-C fits on the whole part, C, iterations)"
    from sklearn.preprocessing import StandardScaler
    iterations, scores = [], []
    for fit, val in folds:
        scaler = StandardScaler().fit(X_train[fit])
        fits, its = sklearn_path(scaler.transform(X_train[fit]), y_train[fit], grid, tol, max_iter)
        scores.append([np.mean(predict(c, b, scaler.transform(X_train[val])) == y_train[val]) for c, b in fits]); iterations += its
    scaler = StandardScaler().fit(X_train)
    fits, its = sklearn_path(scaler.transform(X_train), y_train, grid, tol, max_iter)
    return fits, grid[int(np.argmax(np.mean(scores, 0)))], iterations + its


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=8000)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--layer", type=int, default=9, help="of the 13 synthetic layers (9: the strongest signal)")
    args = parser.parse_args()

    import torch
    from threadpoolctl import threadpool_limits
    from sklearn.preprocessing import StandardScaler
    from indic_probe.probe import (C_GRID, LOGREG_TOL, fold_basis, fold_logreg, known_speaker_mask, outer_folds,
                                   selection_folds, sklearn_coefficients, fit_logreg)
    from sweep_probe_speed import synthetic_layer

    torch.set_num_threads(1)
    X, y, groups = synthetic_layer(args.layer, args.items, args.dim, 13, 5)
    known = known_speaker_mask(groups)
    X, y, groups = X[known], y[known], np.asarray(groups)[known].astype(str)
    (train, test), *_ = outer_folds(y, groups, "speaker")[0]
    X_train, y_train, X_test, y_test, g_train = X[train], y[train], X[test], y[test], groups[train]
    grid = sorted(C_GRID)
    folds = [f for f in selection_folds(y_train, g_train, "speaker", 3) if len(np.unique(y_train[f[0]])) >= 2]
    n_fits = (len(folds) + 1) * len(grid)
    print(f"one speaker-disjoint fold: {len(train)} training x {len(test)} test items x {X.shape[1]} dims, "
          f"{len(np.unique(y))} classes; {n_fits} fits ({len(folds)} selection folds + the whole part, x C {grid}); 1 thread")

    with threadpool_limits(1):
        times, results = {}, {}
        for name, tol, max_iter in (("old", 1e-3, 200), ("sklearn", 1e-5, 10_000)):
            start = time.perf_counter()
            results[name] = sklearn_fold(X_train, y_train, X_test, y_test, folds, grid, tol, max_iter)
            times[name] = time.perf_counter() - start
            its = results[name][2]
            print(f"{name:>8}: {times[name]:7.2f} s  lbfgs iterations per fit {min(its)}-{max(its)} (mean {np.mean(its):.0f})", flush=True)
        start = time.perf_counter()
        basis = fold_basis(X_train, X_test)
        predictions, records, failed = fold_logreg(basis, y_train[None], y_test[None], dict(c_grid=grid, inner_folds=3), g_train, "speaker")
        times["batched"] = time.perf_counter() - start
        print(f"{'batched':>8}: {times['batched']:7.2f} s  (fits not converged: {failed}; fold_basis included)")
        print(f"\nratios: old / batched {times['old'] / times['batched']:.2f}x, "
              f"converged sklearn / batched {times['sklearn'] / times['batched']:.2f}x")

        # per C on the whole training part: the same fits as the run's refit candidates
        labels = torch.as_tensor(y_train)[None].expand(len(grid), -1)
        full = fit_logreg(basis.train, labels, torch.ones(len(grid), len(y_train), dtype=torch.bool), np.array(grid), len(np.unique(y)))
        reference, _ = sklearn_path(StandardScaler().fit(X_train).transform(X_train), y_train, grid, 1e-8, 10_000)
    X_test_std = StandardScaler().fit(X_train).transform(X_test)
    print(f"\n{'C':>6} {'acc old':>8} {'acc skl':>8} {'acc bat':>8}  {'|W-W*|/|W*| old':>16} {'sklearn':>9} {'batched':>9}   (W*: sklearn at tol 1e-8)")
    for i, C in enumerate(grid):
        coef, intercept = sklearn_coefficients(full, basis, i)
        ref = reference[i][0]
        ways = {"old": results["old"][0][i], "sklearn": results["sklearn"][0][i], "batched": (coef, intercept + reference[i][1].mean())}
        accs = {k: np.mean(predict(c, b, X_test_std) == y_test) for k, (c, b) in ways.items()}
        dist = {k: np.linalg.norm(c - ref) / np.linalg.norm(ref) for k, (c, _) in ways.items()}
        print(f"{C:>6g} {accs['old']:8.4f} {accs['sklearn']:8.4f} {accs['batched']:8.4f}  {dist['old']:16.2e} {dist['sklearn']:9.2e} {dist['batched']:9.2e}")
    print(f"\nC chosen on the selection folds: old {results['old'][1]}, sklearn {results['sklearn'][1]}, batched {records[0]['C']}; "
          f"batched test accuracy at its C {np.mean(predictions[0] == y_test):.4f}")


if __name__ == "__main__":
    main()
