"Recovered speakers on real people's voices (flite): the clusters match the truth, no person gets two ids, and a cache whose rows are not the corpus's clips is refused."
import json, shutil
from pathlib import Path
import numpy as np, pandas as pd, pytest
from sklearn.metrics import adjusted_rand_score
from conftest import run_cli

needs_flite = pytest.mark.skipif(shutil.which("flite") is None, reason="needs Debian's flite for real people's voices (apt-get install flite)")

@pytest.fixture(scope="module")
def voices(tmp_path_factory) -> Path:
    "Two classes of two real voices each; the second class's speaker ids stripped"
    from indic_probe.synth import make_voices_corpus
    return make_voices_corpus(tmp_path_factory.mktemp("voices") / "corpus", {"north": ["awb", "rms"], "south": ["slt", "kal16"]},
                              sentences_per_speaker=8, strip=("south",), seed=0)

def with_truth(cache: Path, corpus: Path) -> pd.DataFrame:
    "speakers.csv of a cache beside the true speaker and class of each clip"
    recovered = pd.read_csv(cache / "speakers.csv", keep_default_na=False)
    truth = pd.read_csv(corpus / "speakers_truth.csv").rename(columns=dict(file_name="item_id"))
    return recovered.merge(truth[["item_id", "speaker", "label"]], on="item_id", suffixes=("", "_true"))

@needs_flite
def test_run_recovers_speakers_and_the_speaker_protocol_scores_every_class(voices, tiny_model, tmp_path):
    run = tmp_path / "run"
    proc = run_cli("run", "--data", voices, "--model", tiny_model, "--out", run, "--layers", "0-1", "--probe", "logreg",
                   "--protocol", "seed,speaker", "--n-boot", "200", "--tasks", "label,speaker_id", timeout=1200)
    assert "speakers:" in proc.stdout and "validation ARI" in proc.stdout
    merged = with_truth(run / "cache", voices)
    south = merged[merged.label == "south"]
    assert set(south.speaker_source) == {"recovered"}
    ari = adjusted_rand_score(south.speaker_true, south.speaker)
    print(f"recovered speakers of the stripped class: ARI {ari:.3f} against the truth ({south.speaker.nunique()} clusters)")
    assert ari == 1.0  # the safe cut merges rather than splits, but these four real voices are far enough apart to stay apart
    north = merged[merged.label == "north"]
    assert (north.speaker == north.speaker_true).all() and set(north.speaker_source) == {"given"}  # given ids never changed
    summary = json.loads((run / "cache" / "speakers.json").read_text())
    # one class of known speakers: calibrating and "validating" on the same class would prove nothing
    assert (summary["validated"], summary["method"], summary["validation_ari"]) == (False, "safe", {})
    assert "only one class (north)" in summary["validation_reason"]
    assert (summary["per_class"]["south"]["new_speakers"], summary["per_class"]["south"]["matched_known"]) == (2, 0)
    results = pd.read_csv(run / "results.csv")
    speaker = results[(results.task == "label") & (results.protocol == "speaker")]
    assert (speaker.n_classes == 2).all() and set(speaker.scope) == {"all"}  # both classes scored, nothing left out
    assert set(results.task) == {"label", "speaker_id"}
    page = (run / "report.html").read_text()
    assert "recovered" in page  # no "adjusted Rand index" any more: with one class of known speakers there is none to show

@needs_flite
def test_fused_speaker_embeddings_give_the_speakers_csv_of_indic_probe_speakers(voices, tiny_model, tmp_path):
    "d-vectors from extraction's own decode pass (`run`'s way) and from `indic-probe speakers` on a cache made without them: the same speakers"
    fused, separate = tmp_path / "fused", tmp_path / "separate"
    run_cli("extract", "--data", voices, "--model", tiny_model, "--cache", fused, "--device", "cpu", "--voices", "--chunk-size", "8")
    run_cli("extract", "--data", voices, "--model", tiny_model, "--cache", separate, "--device", "cpu", "--chunk-size", "8")
    assert (fused / "speaker_embeddings.npy").exists() and not (separate / "speaker_embeddings.npy").exists()
    before = (fused / "speaker_embeddings.npy").stat().st_mtime_ns
    run_cli("speakers", "--cache", fused)
    run_cli("speakers", "--cache", separate)
    assert (fused / "speaker_embeddings.npy").stat().st_mtime_ns == before  # read from the pass, not embedded again
    from indic_probe.cache import load_voices
    (v_fused, t_fused), (v_separate, t_separate) = load_voices(fused), load_voices(separate)
    assert np.abs(v_fused - v_separate).max() < 1e-5 and (t_fused.status == t_separate.status).all()
    assert (fused / "speakers.csv").read_text() == (separate / "speakers.csv").read_text()
    south = with_truth(fused, voices).query("label == 'south'")
    assert adjusted_rand_score(south.speaker_true, south.speaker) == 1.0

@needs_flite
def test_a_partly_labelled_class_never_gives_a_person_two_ids(voices, tiny_model, tmp_path):
    "Half the clips of each real speaker of 'north' lose their id: they must take that speaker's id, not a new one"
    from indic_probe.extract import extract
    from indic_probe.speakers import find_speakers
    corpus = tmp_path / "corpus"; shutil.copytree(voices, corpus)
    meta = pd.read_csv(corpus / "metadata.csv", keep_default_na=False)
    hidden = (meta.label == "north") & meta.file_name.str.extract(r"_(\d+)\.wav$")[0].astype(int).mod(2).eq(0).to_numpy()
    meta.loc[hidden, "speaker"] = ""
    meta.to_csv(corpus / "metadata.csv", index=False)
    cache = extract(corpus, tiny_model, tmp_path / "cache", device="cpu", dtype="fp32", progress=False)
    summary = find_speakers(corpus, cache, progress=False)
    merged = with_truth(cache, corpus)
    named = merged[merged.speaker != "unknown"]
    ids = named.groupby("speaker_true").speaker.nunique()
    print(f"ids per person: {ids.to_dict()}; summary per class: {summary['per_class']}")
    assert (ids == 1).all()  # the old code gave the hidden half of each north speaker a new id (rms -> north~v01)
    north = merged[merged.label == "north"]
    assert (north.speaker == north.speaker_true).all()  # real voices: every hidden clip matched to its own speaker
    assert set(north.speaker_source[north.item_id.isin(meta.file_name[hidden])]) == {"recovered"}
    assert (summary["per_class"]["north"]["matched_known"], summary["per_class"]["north"]["new_speakers"]) == (int(hidden.sum()), 0)
    assert summary["validated"] is False and summary["method"] == "safe"

def test_speakers_refuses_a_labels_only_import(speech_corpus, tmp_path):
    "A labels-only import has the corpus's fingerprint but rows of its own: reading corpus row r for its row r would be another clip's voice"
    from indic_probe.data import load_corpus
    from indic_probe.importer import write_original_features
    from indic_probe.cache import read_manifest
    corpus = load_corpus(speech_corpus)
    labels = corpus.items.label_idx.to_numpy()
    layers = [np.random.default_rng(0).normal(size=(len(corpus), 8)).astype(np.float32)]
    write_original_features(tmp_path / "exact", layers, labels)
    write_original_features(tmp_path / "shuffled", layers, np.roll(labels, 1))  # labels out of the corpus's order: cannot be aligned
    for name in ("exact", "shuffled"): run_cli("import-original", tmp_path / name, "--data", speech_corpus, "--cache", tmp_path / f"cache_{name}")
    assert "speaker" in read_manifest(tmp_path / "cache_shuffled")["unavailable_protocols"]
    refused = run_cli("speakers", "--data", speech_corpus, "--cache", tmp_path / "cache_shuffled", check=False)
    lines = [l for l in refused.stderr.splitlines() if l.startswith("indic-probe")]
    assert refused.returncode == 2 and len(lines) == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert str(tmp_path / "cache_shuffled") in lines[0] and "cannot recover speakers" in lines[0] and "speaker ids unavailable" in lines[0]
    assert not (tmp_path / "cache_shuffled" / "speaker_embeddings.npy").exists()  # refused before reading any audio
    manifest = json.loads((tmp_path / "cache_shuffled" / "manifest.json").read_text())  # an import made before the manifest said so
    manifest.pop("unavailable_protocols"); (tmp_path / "cache_shuffled" / "manifest.json").write_text(json.dumps(manifest))
    refused = run_cli("speakers", "--data", speech_corpus, "--cache", tmp_path / "cache_shuffled", check=False)
    assert refused.returncode == 2 and "does not list the corpus's" in refused.stderr and "Traceback" not in refused.stderr, refused.stderr
    done = run_cli("speakers", "--data", speech_corpus, "--cache", tmp_path / "cache_exact")  # exact alignment: still works
    assert "speakers:" in done.stdout and (tmp_path / "cache_exact" / "speakers.csv").exists()

@needs_flite
def test_a_deleted_speakers_csv_is_rebuilt_and_the_sweep_refuses_before_any_notebook(voices, tiny_model, tmp_path):
    "speakers.csv and the d-vectors are derived: the cache stays valid without them, the sweep names the command, `speakers` rebuilds them"
    import time
    from indic_probe.extract import extract
    from indic_probe.cache import verify_cache
    cache = extract(voices, tiny_model, tmp_path / "cache", device="cpu", dtype="fp32", progress=False)
    run_cli("speakers", "--data", voices, "--cache", cache)
    (cache / "speakers.csv").unlink()
    verify_cache(cache)  # the cache itself is intact
    run = tmp_path / "run"
    sweep = ["sweep", "--cache", cache, "--out", run, "--layers", "0-1", "--probe", "logreg", "--protocol", "seed,speaker",
             "--n-boot", "50", "--nulls", "0", "--tasks", "label", "--no-all-layers", "--jobs", "1"]
    started = time.time()
    refused = run_cli(*sweep, check=False)
    print(f"sweep refused in {time.time() - started:.1f} s")
    lines = [l for l in refused.stderr.splitlines() if l.startswith("indic-probe")]
    assert refused.returncode == 2 and len(lines) == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert f"{cache / 'speakers.csv'}: file missing" in lines[0] and f"`indic-probe speakers --cache {cache}`" in lines[0], lines[0]
    assert "re-extract" not in lines[0] and "--overwrite" not in lines[0]
    assert not run.exists() or not list(run.rglob("layer_*")), list(run.rglob("*"))  # refused before any notebook started
    rebuilt = run_cli("speakers", "--cache", cache, timeout=300)  # no --data: the corpus the manifest names (the hub default would not do)
    assert "speakers:" in rebuilt.stdout and (cache / "speakers.csv").exists(), rebuilt.stdout
    again = run_cli("speakers", "--cache", cache)
    assert "is up to date" in again.stdout, again.stdout
    (cache / "speaker_embeddings.npy").unlink()  # the d-vectors too: embedded again, not refused for ever
    rebuilt = run_cli("speakers", "--cache", cache)
    assert "embedding the voices again" in rebuilt.stdout and "speakers:" in rebuilt.stdout, rebuilt.stdout
    run_cli(*sweep, timeout=900)
    state = json.loads((run / "sweep.json").read_text())
    assert {r["status"] for r in state["layers"].values()} == {"done"}

@needs_flite
def test_run_with_other_protocols_is_refused_before_the_speaker_step(voices, tiny_model, tmp_path):
    "A run folder made with other probe settings is refused at once, not after re-embedding and re-clustering every voice"
    import time
    run = tmp_path / "run"
    common = ["run", "--data", voices, "--model", tiny_model, "--out", run, "--layers", "0", "--probe", "logreg", "--n-boot", "50",
              "--nulls", "0", "--tasks", "label", "--no-all-layers", "--no-vad", "--device", "cpu", "--jobs", "1"]
    first = run_cli(*common, "--protocol", "seed", timeout=900)
    assert "speakers:" in first.stdout
    stamp = (run / "cache" / "speakers.json").stat().st_mtime_ns
    started = time.time()
    refused = run_cli(*common, "--protocol", "seed,speaker", check=False, timeout=900)
    print(f"run refused in {time.time() - started:.1f} s")
    assert refused.returncode == 2 and "protocols: ['seed'] -> ['seed', 'speaker']" in refused.stderr, refused.stderr
    assert "speakers:" not in refused.stdout and (run / "cache" / "speakers.json").stat().st_mtime_ns == stamp  # the speaker step never ran
