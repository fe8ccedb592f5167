"""A value of the wrong form is reported once, saying what the value should look like
(the schema's errorMessage), not as a regex or as one line per alternative type."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import REPO
from stackctl.cli import main

CASES = [
    ("kafka:\n  resources:\n    limits:\n      memory: 2 gigs\n",
     "kafka.resources.limits.memory: '2 gigs' is not a Kubernetes quantity such as 2Gi, 500M"),
    ("zookeeper:\n  resources:\n    requests:\n      cpu: lots\n",
     "zookeeper.resources.requests.cpu: 'lots' is not a Kubernetes quantity"),
    ("kafka:\n  persistence:\n    size: 8GB\n",
     "kafka.persistence.size: '8GB' is not a Kubernetes quantity"),
    ("global:\n  imageRegistry: bad registry!\n",
     "global.imageRegistry: 'bad registry!' is not a registry host"),
    ("kafka:\n  heapSize: 1.5G\n", "kafka.heapSize: '1.5G' is not a JVM size"),
    ("zookeeper:\n  pdb:\n    minAvailable: half\n",
     "zookeeper.pdb.minAvailable: 'half' is not a number or a percentage"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_a_value_of_the_wrong_form_says_what_it_should_be(
        text: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    values = tmp_path / "mine.yaml"
    values.write_text(text)
    code = main(["--root", str(REPO), "validate", "--env", "dev", "-f", str(values),
                 "--kube-versions", "1.35"])
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err == [f"{values}: {expected}" + err[0].split(expected, 1)[1]], err


def test_helm_s_own_schema_verdict_is_reworded_too(capsys: pytest.CaptureFixture[str]) -> None:
    """--set values reach only helm's check (no file to check first)."""
    code = main(["--root", str(REPO), "render", "--env", "dev",
                 "--set", "kafka.persistence.size=8GB"])
    err = capsys.readouterr().err
    assert code == 1
    assert ("--set kafka.persistence.size=8GB: kafka.persistence.size: '8GB' is not a "
            "Kubernetes quantity such as 2Gi, 500M, 0.5 or 100m") in err
    assert "pattern" not in err
