"The all-layers notebook (nbs/pipeline/all_layers.ipynb), run with papermill on a small planted cache: what all_layers.json records."
import hashlib, json
from pathlib import Path
import numpy as np, pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCE_NOTEBOOK = REPO / "nbs" / "pipeline" / "all_layers.ipynb"  # the source, not the copy in the package
PLANTED, N_LAYERS, CLASSES = 2, 4, ["a", "b", "c"]


def planted_cache(folder: Path) -> Path:
    "A complete extraction-format cache: 4 layers of 240 items x 16 dims, 12 speakers; only layer 2 carries the label"
    from indic_probe.cache import CACHE_FORMAT
    from indic_probe.probe import planted_layer
    folder.mkdir(parents=True)
    layers = [planted_layer(240, 16, n_classes=3, n_speakers=12, class_signal=1.0 if k == PLANTED else 0.0, noise_seed=k) for k in range(N_LAYERS)]
    _, y, speakers = layers[0]
    pd.DataFrame({"item_id": [f"i{k}" for k in range(len(y))], "source": [f"c{k}.wav" for k in range(len(y))],
                  "label": [CLASSES[k] for k in y], "label_idx": y, "speaker": speakers, "speaker_source": "column",
                  "duration": 1.0, "status": "ok"}).to_csv(folder / "items.csv", index=False)
    for layer, (X, _, _) in enumerate(layers): np.save(folder / f"layer_{layer:02d}.npy", X)
    files = ["items.csv"] + [f"layer_{layer:02d}.npy" for layer in range(N_LAYERS)]
    manifest = dict(format=CACHE_FORMAT, complete=True, num_layers=N_LAYERS, classes=CLASSES, model="planted", dim=16,
                    checksums={f: hashlib.sha256((folder / f).read_bytes()).hexdigest() for f in files})
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture(scope="module")
def together(tmp_path_factory) -> tuple[dict, Path]:
    import papermill
    tmp = tmp_path_factory.mktemp("all_layers")
    out = tmp / "run"
    papermill.execute_notebook(str(SOURCE_NOTEBOOK), str(tmp / "executed.ipynb"), kernel_name="python3", progress_bar=False, cwd=str(tmp),
                               parameters=dict(cache=str(planted_cache(tmp / "cache")), out_dir=str(out), protocols="seed,speaker",
                                               seeds="42,7", n_boot=200, threads=1, cka_items=0), execution_timeout=600)
    return json.loads((out / "all_layers.json").read_text()), out


def test_weighting_against_the_same_head_on_each_layer(together):
    record, _ = together
    assert [r["protocol"] for r in record["results"]] == ["seed", "speaker"]
    for result in record["results"]:
        assert result["converged"] and all(f["converged"] for f in result["fits"]), result["fits"]
        assert [s["layer"] for s in result["single_layer"]] == list(range(N_LAYERS))
        assert all(len(s["y_pred"][0]) == result["n_test"] for s in result["single_layer"])  # per item: the report can pair them
        assert result["gain"]["best_layer"] == PLANTED and result["gain"]["unit"] == ("speaker" if result["protocol"] == "speaker" else "item")
        assert int(np.argmax(result["layer_weights"])) == PLANTED
        assert len(result["layer_weights_per_fold"]) == 2 * result["n_folds"]  # two seeds x the folds
        alone = result["single_layer"][PLANTED]["metrics"]["accuracy"]["value"]
        assert abs(result["metrics"]["accuracy"]["value"] - alone) < 0.05, (result["metrics"], alone)
    assert record["results"][0]["optimistic"] and "same speakers are on both sides" in record["results"][0]["label"]


def test_cka_is_debiased_and_states_its_baseline(together):
    record, out = together
    assert record["cka_debiased"] is True and record["cka_items"] == 240 and record["cka_width"] == 16
    baseline = record["cka_baseline"]
    assert baseline["n_items"] == 240 and baseline["width"] == 16 and baseline["debiased"] is True and abs(baseline["mean"]) < 0.05
    cka = pd.read_csv(out / record["cka_file"], index_col=0).to_numpy()
    np.testing.assert_allclose(np.diag(cka), 1.0, atol=1e-9)
    unrelated = cka[~np.eye(N_LAYERS, dtype=bool)]  # independent noise layers (and the planted one): near 0 when debiased
    assert np.abs(unrelated).max() < 0.1, cka  # the biased form gives about 16 / (240 + 16) = 0.06 plus the shared labels' part
