"""What `w2v train` decides about a model's life before any work: which settings the user
gave (a resumed or continued run takes the others from its model), the outputs a resumed
run writes (those of the run it finishes, unless given), and durations (--checkpoint-every).
"""

import dataclasses
import os
import re
from dataclasses import dataclass

from click.core import ParameterSource

from ..config import TrainConfig
from ..errors import ConfigError

DURATION = re.compile(r"([0-9]+(?:\.[0-9]*)?)\s*(s|m|min|h|d)?")
SECONDS = {None: 1, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(text: str | None, option: str) -> float | None:
    """Seconds in '90', '90s', '30m', '2h', '1d'."""
    if text is None:
        return None
    match = DURATION.fullmatch(text.strip().lower())
    if not match or float(match[1]) <= 0:
        raise ConfigError(f"{option} {text}: give a duration such as 90s, 30m or 2h")
    return float(match[1]) * SECONDS[match[2]]


def given_settings(ctx, settings: dict) -> dict:
    """The training settings given on the command line (or by environment), not defaulted."""
    return {
        name: value
        for name, value in settings.items()
        if ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, None)
    }


def run_config(settings: dict, given: dict, saved: dict | None, resume: bool) -> TrainConfig:
    """The settings the run will have, for the checks made before it reads anything: a
    resumed or continued run's are its model's (`saved`, its model.json, checked by
    model_dir.describe), with those given."""
    from ..training import model_dir

    if saved is None:
        return TrainConfig(**{**settings, **given}).validate()
    config = model_dir.saved_config(saved, "its model.json is damaged")
    keeps = () if resume else ("dim", "loss")  # --from refuses other values in the library
    return dataclasses.replace(
        config, **{k: v for k, v in given.items() if k not in keeps}
    ).validate()


@dataclass
class Outputs:
    """What `w2v train` writes."""

    output: str
    fmt: str
    vectors: str  # --output-vectors: in, out, sum
    save_vocab: str | None
    save_model: str | None

    OPTIONS = {  # field: the command's parameter
        "output": "output",
        "fmt": "fmt",
        "vectors": "output_vectors",
        "save_vocab": "save_vocab",
        "save_model": "save_model",
    }

    def record(self) -> dict:
        """For the run's provenance, so that --resume writes the same; paths made absolute,
        as --resume may run elsewhere."""
        paths = ("output", "save_vocab", "save_model")
        return {
            name: os.path.abspath(value) if name in paths and value not in (None, "-") else value
            for name, value in dataclasses.asdict(self).items()
        }

    def recorded(self, ctx, described: dict) -> "Outputs":
        """These outputs, each not given on the command line taken from the run's record."""
        runs = (described.get("provenance") or {}).get("runs") or [{}]
        recorded = runs[-1].get("outputs") or {}
        chosen = {}
        for name, parameter in self.OPTIONS.items():
            value = getattr(self, name)
            if ctx.get_parameter_source(parameter) == ParameterSource.DEFAULT:
                value = recorded.get(name, value)
            chosen[name] = value
        return Outputs(**chosen)


def check_model_dirs(directories: dict, planned: dict, from_model: str | None) -> None:
    """Before any work: each model directory the run writes ({option: path}) can be
    written, is not one of its output files, and is not the model --from reads."""
    from ..training import model_dir

    files = {o.target: o.label for o in planned.values() if o.kind == "file"}
    source = os.path.realpath(from_model) if from_model else None
    for option, path in directories.items():
        if not path:
            continue
        target = model_dir.check_target(path, option)
        if target in files:
            raise ConfigError(f"{option} {path}: is the same path as {files[target]}")
        if target == source:
            raise ConfigError(
                f"{option} {path}: is the model --from reads, which it would replace; give "
                "another directory"
            )
