"""The decision requirements diagram of the published DMN (its DMNDI section), which modellers
such as dmn-js and Camunda Modeler draw: one shape per decision and input data, one edge per
information requirement, laid out without overlaps, each edge from the element required to the
decision requiring it; the document still valid against the OMG DMN 1.3 XML Schema (the files
shipped with SpiffWorkflow, read with lxml) and still read by pyDMNrules.
The project is the test's own: the fixture policies of tests/consumers/, tests/chinese/ and
tests/diff_fixtures/."""

from __future__ import annotations

import datetime as dt
import importlib
import shutil
from pathlib import Path

import pyDMNrules
import pytest
from click.testing import CliRunner
from lxml import etree

import cli

from .conftest import ROOT

MODEL = "https://www.omg.org/spec/DMN/20191111/MODEL/"
NS = {
    "m": MODEL,
    "dmndi": "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "dc": "http://www.omg.org/spec/DMN/20180521/DC/",
    "di": "http://www.omg.org/spec/DMN/20180521/DI/",
}


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "tests/consumers/policies", root / "policies")
    shutil.copyfile(ROOT / "tests/chinese/subsidy.yaml", root / "policies/demo/subsidy.yaml")
    shutil.copyfile(ROOT / "tests/diff_fixtures/demo/copay.yaml", root / "policies/demo/copay.yaml")
    out = root / "published"
    result = CliRunner().invoke(
        cli.main, ["--root", str(root), "publish", "--out", str(out), "--format", "dmn"]
    )
    assert result.exit_code == 0, result.output
    files = sorted((out / "dmn").glob("*.dmn"))
    assert len(files) == 3
    return out


def dmn_files(published: Path) -> list[Path]:
    return sorted((published / "dmn").glob("*.dmn"))


def test_the_documents_with_their_diagrams_are_valid_by_the_omg_schema(published):
    spiff = importlib.import_module("SpiffWorkflow.dmn.parser.BpmnDmnParser")
    schema = etree.XMLSchema(etree.parse(spiff.SCHEMAS[MODEL]))
    for path in dmn_files(published):
        assert schema.validate(etree.parse(str(path))), (path.name, schema.error_log)


def test_every_element_has_a_shape_and_every_requirement_an_edge_from_below(published):
    for path in dmn_files(published):
        root = etree.parse(str(path)).getroot()
        elements = [e.get("id") for e in root.xpath("m:decision | m:inputData", namespaces=NS)]
        diagrams = root.xpath("dmndi:DMNDI/dmndi:DMNDiagram", namespaces=NS)
        assert len(diagrams) == 1, path.name
        shapes = {
            s.get("dmnElementRef"): [float(b.get(k)) for k in ("x", "y", "width", "height")]
            for s in diagrams[0].xpath("dmndi:DMNShape", namespaces=NS)
            for b in s.xpath("dc:Bounds", namespaces=NS)
        }
        assert sorted(shapes) == sorted(elements), path.name
        boxes = list(shapes.values())
        for i, (x, y, w, h) in enumerate(boxes):
            for x2, y2, w2, h2 in boxes[i + 1 :]:
                assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y, path.name

        edges = {
            e.get("dmnElementRef"): [
                (float(p.get("x")), float(p.get("y")))
                for p in e.xpath("di:waypoint", namespaces=NS)
            ]
            for e in diagrams[0].xpath("dmndi:DMNEdge", namespaces=NS)
        }
        requirements = root.xpath("m:decision/m:informationRequirement", namespaces=NS)
        assert requirements and sorted(edges) == sorted(r.get("id") for r in requirements)
        for requirement in requirements:
            target = requirement.getparent().get("id")
            source = requirement[0].get("href").lstrip("#")
            (sx, sy), *_, (tx, ty) = edges[requirement.get("id")]
            x, y, w, h = shapes[source]
            assert x <= sx <= x + w and sy == y  # leaves the top of the element required
            x, y, w, h = shapes[target]
            assert x <= tx <= x + w and ty == y + h  # reaches the bottom of the decision
            assert sy > ty  # upwards: what is required is drawn below what requires it


def test_pydmnrules_still_reads_and_evaluates_a_document_with_its_diagram(published):
    engine = pyDMNrules.DMN()
    status = engine.useXML((published / "dmn" / "demo.subsidy.dmn").read_text(encoding="utf-8"))
    assert not status.get("errors"), status
    status, result = engine.decide(
        {"scheme": "employee", "out_of_pocket": 1000.0, "evaluation_date": dt.date(2020, 6, 1)}
    )
    assert not status.get("errors"), status
    decided = result[-1]["Result"] if isinstance(result, list) else result["Result"]
    assert float(decided["subsidy"]) == 500.0  # 1000 × 50%
