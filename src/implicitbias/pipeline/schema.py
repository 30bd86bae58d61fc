"""The config's JSON schema, composed from the workflow's root and each experiment's fragment.

The root (``workflow/schemas/config.schema.yaml``) fixes the top-level keys, the
shape of a block (grid, include, exclude, settings) and the shared definitions
(``$defs``: steps, eta_unit, optimizers, …).  Each experiment folder's
``contract.yaml`` holds the schema of its own settings.  :func:`compose` puts
them together, so the list of experiment names comes from the folders only.

Validation fills in defaults as Snakemake's ``snakemake.utils.validate`` does
(that function takes a schema *file*; the composed schema exists in memory).
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, validators

from ..experiments import EXPERIMENTS

ROOT = Path(__file__).resolve().parents[3] / "workflow" / "schemas" / "config.schema.yaml"


def compose(root: str | Path = ROOT) -> dict:
    """The root schema with one property per registered experiment, whose settings are its fragment."""
    schema = yaml.safe_load(Path(root).read_text())
    experiments = schema["properties"]["experiments"]
    experiments["propertyNames"] = {"description": "Names of the registered figure families.", "enum": list(EXPERIMENTS)}
    block = schema["$defs"]["block"]
    experiments["properties"] = {}
    for name, contract in EXPERIMENTS.items():
        own = copy.deepcopy(block)
        own["description"] = contract.description
        own["properties"]["settings"] = copy.deepcopy(contract.settings)
        experiments["properties"][name] = own
    return schema


def _with_defaults(cls):
    """A validator class that also sets each missing property to a copy of its default."""
    check_properties = cls.VALIDATORS["properties"]

    def properties(validator, props, instance, schema):
        if isinstance(instance, dict):
            for key, sub in props.items():
                if "default" in sub and key not in instance:
                    instance[key] = copy.deepcopy(sub["default"])
        yield from check_properties(validator, props, instance, schema)

    return validators.extend(cls, {"properties": properties})


DefaultValidator = _with_defaults(Draft202012Validator)


def validate(config: dict, schema: dict | None = None) -> dict:
    """Check ``config`` against the composed schema, filling in defaults in place.

    Raises jsonschema's ``ValidationError`` (the best match) for a bad config.
    """
    DefaultValidator(schema if schema is not None else compose()).validate(config)
    return config


def settings_of(name: str, settings: dict | None = None, root: str | Path = ROOT) -> dict:
    """Experiment ``name``'s settings: ``settings`` checked against its contract, defaults filled in.

    What a training or claims job receives, for use from a notebook or a test.
    """
    config = {"experiments": {name: {"grid": {"model": [], "loss": [], "optimizer": [], "eta": 1.0,
                                              "sigma": 0.0, "seed": 0},
                                     "settings": copy.deepcopy(settings or {})}}}  # fmt: skip
    schema = compose(root)
    validator = DefaultValidator(schema)
    errors = [e for e in validator.iter_errors(config) if "settings" in e.absolute_path]
    if errors:
        raise errors[0]
    return config["experiments"][name]["settings"]
