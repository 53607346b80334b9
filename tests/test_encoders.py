"Encoder families end to end: each family's tiny random model through `extract` (layers, exactness, frames pooled, resume) and the refusals."
import subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, pytest, soundfile as sf
from indic_probe.data import decode_audio
from indic_probe.extract import extract, load_encoder, one_clip_embedding
from indic_probe.cache import load_cache_items, read_manifest, layer_file
from indic_probe.synth import make_tiny_model, toy_clip
from conftest import run_cli
from test_extract import _extract_cmd, _kill_after_chunks

FAMILIES = {"hubert": "cnn", "wav2vec2-layer": "attention-mask", "w2v-bert": "attention-mask", "whisper": "whisper",
            "data2vec-audio": "attention-mask"}

@pytest.fixture(scope="module")
def mixed_corpus(speech_corpus, tmp_path_factory) -> Path:
    "The espeak-ng corpus plus clips of very different lengths (0.1 s, 12 s and 40 s: more than one Whisper window), as a CSV manifest"
    folder = tmp_path_factory.mktemp("mixed")
    meta = pd.read_csv(speech_corpus / "metadata.csv")
    rows = [dict(path=str(speech_corpus / f), label=l, speaker=s) for f, l, s in zip(meta.file_name, meta.label, meta.speaker)]
    for k, (seconds, label) in enumerate([(0.1, meta.label[0]), (12.0, meta.label.iloc[-1]), (40.0, meta.label[0])]):
        sf.write(folder / f"long_{k}.wav", toy_clip(seconds, freq=130 + 30 * k, seed=k), 16000)
        rows.append(dict(path=str(folder / f"long_{k}.wav"), label=label, speaker=f"synthetic_{k}"))
    pd.DataFrame(rows).to_csv(folder / "manifest.csv", index=False)
    return folder / "manifest.csv"

@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("families")
    return {kind: str(make_tiny_model(folder / f"tiny-{kind}", num_hidden_layers=3, kind=kind)) for kind in FAMILIES}

def _reference(encoder, audio: np.ndarray) -> tuple[np.ndarray, int]:
    "Every layer of one clip embedded alone (Whisper: each 30-s window alone, pooled by frames) and the frames pooled"
    pieces = [audio[a:b] for a, b in encoder.segment_bounds(len(audio), len(audio))]
    frames = encoder.frames([len(p) for p in pieces])
    return sum(one_clip_embedding(encoder, p) * f for p, f in zip(pieces, frames)) / frames.sum(), int(frames.sum())

@pytest.mark.parametrize("kind", list(FAMILIES))
def test_family_extracts_exactly(kind, models, mixed_corpus, tmp_path):
    "Batched through the cache = one clip at a time for every clip and layer; the frames pooled are the ones holding audio"
    cache = extract(mixed_corpus, models[kind], tmp_path / "cache", device="cpu", dtype="fp32", batch_seconds=10, chunk_size=8, progress=False)
    manifest, encoder = read_manifest(cache), load_encoder(models[kind], "cpu", "fp32")
    assert manifest["family"] == FAMILIES[kind] and manifest["key"]["inputs"]["family"] == FAMILIES[kind]
    assert manifest["num_layers"] == 4 and all(layer_file(cache, l).exists() for l in range(4)) and not layer_file(cache, 4).exists()
    items = load_cache_items(cache)
    assert (items.status == "ok").all()
    layers = np.stack([np.load(layer_file(cache, l)) for l in range(4)])
    worst = 0.0
    for row in np.flatnonzero((items.status == "ok").to_numpy()):
        expected, frames = _reference(encoder, decode_audio(items.source.iloc[row]))
        assert items.frames.iloc[row] == frames
        worst = max(worst, float(np.abs(layers[:, row] - expected).max() / np.abs(expected).max()))
    print(f"{kind}: batched vs one clip at a time, max abs difference relative to the largest value: {worst:.1e}")
    assert worst <= 1e-4

@pytest.mark.parametrize("kind", ["w2v-bert", "whisper"])
def test_family_cache_resumes_bit_identical(kind, models, speech_corpus, tmp_path):
    "Killed after its first chunk and run again, a cache of the new families equals one made in one go"
    reference, resumed = tmp_path / "reference", tmp_path / "resumed"
    subprocess.run(_extract_cmd(speech_corpus, models[kind], reference), check=True, capture_output=True)
    _kill_after_chunks(_extract_cmd(speech_corpus, models[kind], resumed), resumed, 1)
    assert not read_manifest(resumed)["complete"]
    subprocess.run(_extract_cmd(speech_corpus, models[kind], resumed), check=True, capture_output=True)
    assert read_manifest(resumed)["checksums"] == read_manifest(reference)["checksums"]

def test_caches_of_different_families_are_never_confused(models, speech_corpus, tmp_path):
    "One cache folder, another family: refused naming what differs, the input kind among it"
    cache = extract(speech_corpus, models["w2v-bert"], tmp_path / "cache", device="cpu", limit=6, progress=False)
    proc = run_cli("extract", "--data", speech_corpus, "--model", models["whisper"], "--cache", cache, "--limit", "6", "--device", "cpu", check=False)
    assert proc.returncode == 2 and "holds features made differently" in proc.stderr and "inputs:" in proc.stderr and "log-mel" in proc.stderr

def test_models_that_are_not_speech_encoders_are_refused_in_one_line(speech_corpus, tmp_path):
    "A TTS model, a text model and a folder of audio passed as --model: one line each, naming what is supported"
    from transformers import BertConfig, BertModel, SpeechT5Config, SpeechT5ForTextToSpeech
    tts = SpeechT5Config(hidden_size=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
                         encoder_ffn_dim=64, decoder_ffn_dim=64, vocab_size=50, speech_decoder_prenet_units=32, speech_decoder_postnet_units=32,
                         speaker_embedding_dim=32, conv_dim=(16,) * 7, max_text_positions=64, max_speech_positions=64)
    SpeechT5ForTextToSpeech(tts).save_pretrained(tmp_path / "tts")
    BertModel(BertConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, vocab_size=50)).save_pretrained(tmp_path / "bert")
    for model, says in [(tmp_path / "tts", "a SpeechT5Model (speecht5) is not a speech encoder"), (tmp_path / "bert", "a BertModel (bert) is not a speech encoder"),
                        (speech_corpus, "pass it as --data")]:
        proc = run_cli("extract", "--data", speech_corpus, "--model", model, "--cache", tmp_path / "cache", "--device", "cpu", check=False)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and says in lines[0], proc.stderr
        if "pass it as" not in says: assert "supported: CNN speech encoders" in lines[0] and "Whisper" in lines[0] and "w2v-BERT" in lines[0]

def test_whisper_for_conditional_generation_gives_its_encoder(tmp_path):
    "A Whisper ASR checkpoint (with its decoder and LM head) is probed through its encoder, layer 0 = conv stem + positions"
    import torch
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration
    torch.manual_seed(0)
    config = WhisperConfig(d_model=32, encoder_layers=2, decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
                           decoder_ffn_dim=64, vocab_size=100, max_target_positions=32, pad_token_id=0, bos_token_id=1, eos_token_id=2, decoder_start_token_id=3)
    asr = WhisperForConditionalGeneration(config).eval()
    asr.save_pretrained(tmp_path / "asr"); WhisperFeatureExtractor().save_pretrained(tmp_path / "asr")
    encoder = load_encoder(str(tmp_path / "asr"), "cpu", "fp32")
    assert (encoder.family, encoder.num_layers, encoder.identity["checkpoint"]) == ("whisper", 3, "WhisperForConditionalGeneration")
    clip = toy_clip(2.0)
    features = WhisperFeatureExtractor()(clip, sampling_rate=16000, return_tensors="pt").input_features
    with torch.no_grad(): hidden = torch.stack(asr.model.encoder(features, output_hidden_states=True).hidden_states)[:, 0, :100].mean(1).numpy()
    np.testing.assert_allclose(one_clip_embedding(encoder, clip), hidden, atol=1e-6)
