"""Packaging: the pins agree, the schema documents every key, the package stands alone."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import yaml

from conftest import REPO
from implicitbias.experiments import EXPERIMENTS
from implicitbias.pipeline.schema import compose


def _pins(lines) -> dict[str, str]:
    out = {}
    for line in lines:
        m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)\s*", line)
        if m:
            out[m.group(1).lower()] = m.group(2)
    return out


def test_pyproject_and_environment_pins_agree():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    deps, extras = project["dependencies"], project["optional-dependencies"]
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    py_pins, env_pins = _pins(deps), _pins(pip)
    assert len(py_pins) == len(deps), "every dependency is pinned with =="
    assert py_pins == env_pins  # the conda environment is the plain install
    for name, extra in extras.items():
        assert len(_pins(extra)) == len(extra), f"every dependency of the {name} extra is pinned with =="
        assert not set(_pins(extra)) & set(py_pins), f"the {name} extra repeats a core dependency"
    assert {"pytest", "snakefmt"} <= set(_pins(extras["test"])) and not {"pytest", "snakefmt"} & set(py_pins)
    assert py_pins["torch"] == "2.13.0" and py_pins["snakemake"].startswith("9.")
    assert any(str(d).startswith("python=3.11") for d in env["dependencies"])


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        target = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _properties(schema, node, path="config"):
    node = _resolve(schema, node)
    for name, sub in node.get("properties", {}).items():
        yield f"{path}.{name}", node, name, _resolve(schema, sub)
        yield from _properties(schema, sub, f"{path}.{name}")
    if isinstance(node.get("items"), dict):
        yield from _properties(schema, node["items"], f"{path}[]")


def test_schema_has_a_description_on_every_property_and_defaults_where_optional():
    """The composed schema: the workflow's root with every experiment folder's settings fragment."""
    schema = compose(REPO / "workflow/schemas/config.schema.yaml")
    assert schema["$schema"].endswith("2020-12/schema")
    seen = 0
    for path, parent, name, prop in _properties(schema, schema):
        seen += 1
        assert prop.get("description"), f"{path} has no description"
        optional = name not in parent.get("required", [])
        is_entry = "experiments" in path and path.count(".") == 2  # an experiment block is opt-in
        axis_of_entry = path.split(".")[-2].endswith("[]") or "include" in path or "exclude" in path
        if optional and not is_entry and not axis_of_entry:
            assert "default" in prop, f"{path} is optional but has no default"
    assert seen > 30


def test_schema_lists_exactly_the_experiment_folders_and_names_none_itself():
    root = (REPO / "workflow/schemas/config.schema.yaml").read_text()
    folders = {p.parent.name for p in (REPO / "src/implicitbias/experiments").glob("*/contract.yaml")}
    assert folders == set(EXPERIMENTS) and len(folders) >= 8
    assert not [name for name in folders if name in root], "the root schema names an experiment"
    experiments = compose(REPO / "workflow/schemas/config.schema.yaml")["properties"]["experiments"]
    assert set(experiments["propertyNames"]["enum"]) == set(EXPERIMENTS)
    assert set(experiments["properties"]) == set(EXPERIMENTS)


def test_no_experiment_name_is_written_outside_its_folder_and_the_configs():
    """Adding an experiment is one folder and one config block: no list of names elsewhere."""
    names = set(EXPERIMENTS)
    places = [REPO / "Snakefile", *(REPO / "workflow").rglob("*"), *(REPO / "scripts").rglob("*.py"),
              *(REPO / "src/implicitbias/pipeline").rglob("*.py"), *(REPO / "src/implicitbias/numerics").rglob("*.py"),
              REPO / "src/implicitbias/experiments/__init__.py"]  # fmt: skip
    # the name as a string, a path or a module of its own (max_margin() the function is not the experiment)
    pattern = re.compile(r"""(["'/]|experiments\.)(%s)(["'/.])""" % "|".join(names))
    found = [(p.name, m.group(2)) for p in places if p.is_file() for m in pattern.finditer(p.read_text())]
    assert not found, found


def test_package_imports_without_snakemake():
    code = "import sys, implicitbias.experiments.pseudo_inverse.train, implicitbias.pipeline.jobs; assert 'snakemake' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_training_job_imports_no_pandas_or_seaborn():
    """What a training job imports, for every experiment: torch, never pandas or seaborn."""
    code = (
        "import sys, importlib, implicitbias.pipeline.jobs, implicitbias.pipeline.tables\n"
        f"for name in {sorted(EXPERIMENTS)!r}:\n"
        "    importlib.import_module('implicitbias.experiments.' + name + '.train')\n"
        "assert 'torch' in sys.modules\n"
        "bad = {'pandas', 'seaborn', 'matplotlib'} & set(sys.modules); assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_mathematics_imports_nothing_from_the_pipeline_or_the_experiments():
    """numerics/ is the shared mathematics: read from its import statements, it stands alone."""
    import ast

    for path in (REPO / "src/implicitbias/numerics").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                assert not module.startswith(".."), (path.name, module)
                assert "pipeline" not in module and "experiments" not in module, (path.name, module)
            elif isinstance(node, ast.Import):
                assert not any("implicitbias" in a.name for a in node.names), path.name


def test_claims_and_figure_modules_import_no_torch_by_their_import_statements():
    """What the claims and figure jobs import is visible in the files: no torch, no train module."""
    import ast

    for path in (REPO / "src/implicitbias/experiments").glob("*/*.py"):
        if path.stem not in ("claims", "figure", "problem", "reference"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] + [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
            assert not [n for n in names if n == "torch" or n.startswith("torch.") or n == "train"], path


def test_cluster_executor_is_an_extra_not_imported_by_a_plain_install():
    """Snakemake imports every installed executor plugin at each start, and the
    SLURM one probes `scontrol` on import: a laptop install must not carry it."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert "snakemake-executor-plugin-slurm" in _pins(project["optional-dependencies"]["cluster"])
    assert "snakemake-executor-plugin-slurm" not in _pins(project["dependencies"])
    assert 'pip install -e ".[cluster]"' in (REPO / "README.md").read_text()
    assert re.search(r"-e \"\.\[[a-z,]*cluster[a-z,]*\]\"", (REPO / ".ci" / "run").read_text())
