"`indic-probe import-original`: the original notebook's joblib features become a cache the honest protocols can use."
import numpy as np, pytest
from indic_probe.data import load_corpus
from indic_probe.cache import load_layer, read_manifest
from conftest import run_cli

def test_import_original_from_the_command_line(speech_corpus, tmp_path):
    from indic_probe.importer import write_original_features
    corpus = load_corpus(speech_corpus)
    rng = np.random.default_rng(0)
    layers = [rng.normal(size=(len(corpus), 768)).astype(np.float32) for _ in range(3)]
    write_original_features(tmp_path / "features", layers, corpus.items.label_idx.to_numpy())  # as the original notebook wrote them
    proc = run_cli("import-original", tmp_path / "features", "--data", speech_corpus, "--cache", tmp_path / "cache")
    assert "pickles" in proc.stderr  # the user is told what loading joblib means
    for k, array in enumerate(layers):
        X, y, groups = load_layer(tmp_path / "cache", k)
        np.testing.assert_array_equal(X, array)
        np.testing.assert_array_equal(y, corpus.items.label_idx.to_numpy())
    assert read_manifest(tmp_path / "cache")["alignment"] == "exact"
    write_original_features(tmp_path / "long", [np.zeros((len(corpus) + 5, 768), np.float32)], np.zeros(len(corpus) + 5, int))
    refused = run_cli("import-original", tmp_path / "long", "--data", speech_corpus, "--cache", tmp_path / "cache2", check=False)
    lines = [l for l in refused.stderr.splitlines() if l.startswith("indic-probe")]
    assert refused.returncode == 2 and len(lines) == 1 and str(len(corpus) + 5) in lines[0] and "Traceback" not in refused.stderr
