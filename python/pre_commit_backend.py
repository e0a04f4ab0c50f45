"""The build backend of the repository root's pyproject.toml (PEP 517, in-tree).

pre-commit installs a `language: python` hook repository with `pip install .`. The root
package (`cutoff-pre-commit`) has no code: its wheel only says `Requires-Dist:
cutoff-lint==<version>`, the prebuilt `cutoff` wheel. Building that takes this file and
the standard library, so pip needs nothing from an index for it (setuptools would have to
be downloaded and installed into an isolated environment on every hook install: seconds).
Name, version and dependencies are read from the [project] table of pyproject.toml.
"""

import base64
import hashlib
import os
import re
import zipfile

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _project():
    with open(os.path.join(_ROOT, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()
    table = re.search(r"(?ms)^\[project\]\s*$(.*?)(?=^\[|\Z)", text).group(1)

    def value(key):
        m = re.search(r'(?m)^%s\s*=\s*"([^"]*)"' % re.escape(key), table)
        return m.group(1) if m else ""

    def strings(key):
        m = re.search(r"(?ms)^%s\s*=\s*\[(.*?)\]" % re.escape(key), table)
        return re.findall(r'"([^"]+)"', m.group(1)) if m else []

    return {
        "name": value("name"),
        "version": value("version"),
        "summary": value("description"),
        "requires_python": value("requires-python"),
        "requires": strings("dependencies"),
        "classifiers": strings("classifiers"),
    }


def _dist_name(p):
    return "%s-%s" % (re.sub(r"[-_.]+", "_", p["name"]).lower(), p["version"])


def _metadata(p):
    lines = ["Metadata-Version: 2.1", "Name: " + p["name"], "Version: " + p["version"]]
    if p["summary"]:
        lines.append("Summary: " + p["summary"])
    if p["requires_python"]:
        lines.append("Requires-Python: " + p["requires_python"])
    lines += ["Classifier: " + c for c in p["classifiers"]]
    lines += ["Requires-Dist: " + r for r in p["requires"]]
    return "\n".join(lines) + "\n"


_WHEEL = "Wheel-Version: 1.0\nGenerator: cutoff pre_commit_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    p = _project()
    info = _dist_name(p) + ".dist-info"
    os.makedirs(os.path.join(metadata_directory, info), exist_ok=True)
    with open(os.path.join(metadata_directory, info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata(p))
    with open(os.path.join(metadata_directory, info, "WHEEL"), "w", encoding="utf-8") as f:
        f.write(_WHEEL)
    return info


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    p = _project()
    info = _dist_name(p) + ".dist-info"
    name = _dist_name(p) + "-py3-none-any.whl"
    files = {info + "/METADATA": _metadata(p).encode(), info + "/WHEEL": _WHEEL.encode()}
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    record.append(info + "/RECORD,,")
    files[info + "/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            zi = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return name
