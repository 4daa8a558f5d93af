"""The one config loader (error_tutor_server.config_loader) and the commands that use it.

    .venv/bin/python -m pytest tests/test_config_loader.py -q
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field

import pytest

from error_tutor_server import config_loader
from error_tutor_server.cli import build_parser, main
from error_tutor_server.errors import TutorError


@dataclass
class Sample:
    """A config with one field of every supported type."""

    name: str = field(default="base", metadata={"help": "a name"})
    steps: int = field(default=10, metadata={"help": "how many steps"})
    rate: float = field(default=0.5, metadata={"help": "a rate"})
    fast: bool = field(default=False, metadata={"help": "go fast"})
    tags: list[str] = field(default_factory=lambda: ["a"], metadata={"help": "tags"})
    paths: list[str] = field(default_factory=list, metadata={"help": "paths", "split": False, "aliases": ["--path"]})
    level: str = field(default="hint", metadata={"help": "a level", "choices": ("explain", "hint", "fix")})
    limits: dict[str, float] = field(default_factory=lambda: {"A": 1.0, "B": 2.0}, metadata={"help": "limits"})


def parse(argv: list[str]) -> Sample:
    parser = argparse.ArgumentParser()
    config_loader.add_config_flags(parser, Sample)
    return config_loader.config_from_args(Sample, parser.parse_args(argv))


def write(tmp_path, text: str) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_defaults_then_yaml_then_flags(tmp_path):
    assert parse([]) == Sample()
    yaml_path = write(tmp_path, "steps: 20\nrate: 2e-4\nfast: true\ntags: [x, y]\nlimits: {B: 3}\nname: from-yaml\n")
    from_yaml = parse(["--config", yaml_path])
    assert (from_yaml.steps, from_yaml.rate, from_yaml.fast, from_yaml.tags) == (20, 2e-4, True, ["x", "y"])
    assert from_yaml.limits == {"A": 1.0, "B": 3.0}  # a YAML mapping is merged over the default
    both = parse(["--config", yaml_path, "--steps", "30", "--no-fast", "--tags", "p,q", "--limits", "A=0.25"])
    assert (both.steps, both.fast, both.tags, both.limits) == (30, False, ["p", "q"], {"A": 0.25, "B": 3.0})
    assert (both.rate, both.name) == (2e-4, "from-yaml")  # not given as flags: the YAML's values stay


def test_list_flags_split_on_commas_or_repeat_whole_values():
    config = parse(["--paths", "a,b.jsonl", "--path", "c.jsonl", "--tags", "x, y,"])
    assert config.paths == ["a,b.jsonl", "c.jsonl"] and config.tags == ["x", "y"]


def test_unknown_yaml_key_is_one_clear_line(tmp_path):
    with pytest.raises(TutorError) as caught:
        config_loader.load_config(Sample, write(tmp_path, "rate: 1\nstpes: 4\n"))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("Unknown option 'stpes' in ") and "rename 'stpes' to 'steps'" in message
    assert caught.value.fix  # says how to fix it


@pytest.mark.parametrize("text, wrong", [("steps: many\n", "'many', which is not a whole number"),
                                         ("steps: 2.5\n", "2.5, which is not a whole number"),
                                         ("fast: 1\n", "1, which is not true or false"),
                                         ("rate: true\n", "True, which is not a number"),
                                         ("tags: {a: 1}\n", "which is not a list of strings"),
                                         ("name: [a, b]\n", "which is not text"),
                                         ("limits: {A: high}\n", "which is not a mapping of names to numbers"),
                                         ("level: lots\n", "'lots', which is not one of explain, hint, fix")])
def test_wrong_type_in_yaml_names_the_option_and_the_fix(tmp_path, text, wrong):
    name = text.split(":")[0]
    with pytest.raises(TutorError, match=f"Option '{name}' in .*config.yaml is .*") as caught:
        config_loader.load_config(Sample, write(tmp_path, text))
    assert wrong in str(caught.value) and f"Write {name} as " in caught.value.fix
    assert "\n" not in str(caught.value)


def test_unreadable_or_malformed_yaml_is_a_tutor_error(tmp_path):
    with pytest.raises(TutorError, match="Cannot read the config file"):
        config_loader.load_config(Sample, str(tmp_path / "missing.yaml"))
    with pytest.raises(TutorError, match="not valid YAML"):
        config_loader.load_config(Sample, write(tmp_path, "steps: [1,\n"))
    with pytest.raises(TutorError, match="not a mapping"):
        config_loader.load_config(Sample, write(tmp_path, "- steps\n"))


def test_bad_flag_value_is_argparse_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse(["--steps", "many"])
    assert exit_info.value.code == 2 and "'many' is not a whole number" in capsys.readouterr().err


def test_field_without_help_is_refused():
    @dataclass
    class Undocumented:
        quiet: int = 0

    with pytest.raises(TypeError, match="quiet has no help text"):
        config_loader.add_config_flags(argparse.ArgumentParser(), Undocumented)


# -- the commands ------------------------------------------------------------------------------

def command_configs() -> dict[str, type]:
    from error_tutor_finetune.data import DataConfig
    from error_tutor_finetune.evaluate import EvalConfig
    from error_tutor_finetune.train_config import TrainConfig

    configs = {"train": TrainConfig, "eval": EvalConfig, "data build": DataConfig}
    export_config = pytest.importorskip("error_tutor_export.config")
    configs["export"] = export_config.ExportConfig
    return configs


def subcommand(words: str) -> argparse.ArgumentParser:
    parser = build_parser()
    for word in words.split():
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[word]
    return parser


@pytest.mark.parametrize("words", ["train", "eval", "export", "data build"])
def test_help_lists_every_field_with_its_help_and_default(words):
    cls = command_configs()[words]
    parser = subcommand(words)
    text = parser.format_help()
    by_dest = {a.dest: a for a in parser._actions}
    assert "--config YAML" in text
    for f in dataclasses.fields(cls):
        action = by_dest[f.name]
        assert action.help and action.help.startswith(f.metadata["help"].replace("%", "%%")), f.name
        if not f.metadata.get("positional"):
            assert config_loader.flag_name(f.name) in text, f.name
            ending = "(required)" if f.metadata.get("required") else f"(default: {config_loader.default_of(f)!r})"
            assert action.help.endswith(ending), f.name


def test_export_prompts_default_is_the_dataclass_default():
    export_config = pytest.importorskip("error_tutor_export.config")
    action = next(a for a in subcommand("export")._actions if a.dest == "prompts")
    assert export_config.ExportConfig().prompts == 6 and action.help.endswith("(default: 6)")
    parser = build_parser()
    args = parser.parse_args(["export", "runs/lora", "--out", "x.gguf"])
    assert config_loader.config_from_args(export_config.ExportConfig, args).prompts == 6


def test_export_flags_override_yaml_and_keep_quant_limits(tmp_path):
    export_config = pytest.importorskip("error_tutor_export.config")
    yaml_path = write(tmp_path, "prompts: 4\nquant: q8_0\nmin_agreement:\n  q8_0: 0.95\n")
    args = build_parser().parse_args(["export", "runs/lora", "--out", "x.gguf", "--config", yaml_path,
                                      "--prompts", "2", "--no-verify", "--max-perplexity-ratio", "q4_k_m=1.5"])
    config = config_loader.config_from_args(export_config.ExportConfig, args)
    assert (config.adapter_dir, config.out, config.prompts, config.quant, config.verify) == \
        ("runs/lora", "x.gguf", 2, "q8_0", False)
    assert config.min_agreement["Q8_0"] == 0.95 and "q8_0" not in config.min_agreement
    assert config.max_perplexity_ratio["Q4_K_M"] == 1.5 and config.max_perplexity_ratio["Q8_0"] == 1.03


def test_eval_keeps_its_singular_repeatable_flags_and_the_old_yaml_flag(tmp_path, caplog):
    from error_tutor_finetune.evaluate import EvalConfig

    yaml_path = write(tmp_path, "limit: 3\nconfigs: [message]\n")
    args = build_parser().parse_args(["eval", "--corpus", "a.jsonl", "--corpus", "b,c.jsonl", "--language", "c",
                                      "--configs", "message,rules", "--config-file", yaml_path])
    config = config_loader.config_from_args(EvalConfig, args)
    assert (config.corpora, config.languages, config.configs, config.limit) == \
        (["a.jsonl", "b,c.jsonl"], ["c"], ["message", "rules"], 3)
    assert "--config-file is deprecated" in caplog.text
    assert "--config-file" not in subcommand("eval").format_help()


def test_commands_report_a_bad_yaml_file_in_one_line(tmp_path, capsys):
    yaml_path = write(tmp_path, "lora_rank: 4\n")
    assert main(["train", "--config", yaml_path, "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error-tutor: Unknown option 'lora_rank'") and "rename 'lora_rank' to 'lora_r'" in err
    assert len(err.splitlines()) == 1
