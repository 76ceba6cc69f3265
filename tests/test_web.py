"""The Datasette plugin and configuration, through Datasette's own test client."""

from __future__ import annotations

import pytest
import yaml
from datasette.app import Datasette

from tests.conftest import ROOT, load

FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture
def datasette(tmp_path):
    db = tmp_path / "kb.db"
    summary = load(db, FIXTURES / "mini.yaml")
    assert summary.failed == 0
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text())
    return Datasette([str(db)], immutables=[], metadata=metadata,
                     settings={"suggest_facets": False})


@pytest.mark.asyncio
async def test_work_page(datasette):
    response = await datasette.client.get("/-/standards/ISO%2019011")
    assert response.status_code == 200
    html = response.text
    assert "<svg" in html and "kb-timeline" in html
    for text in ("ISO 19011:2002", "ISO 19011:2018", "ISO 10011-1:1990", "GB/T 19011-2021",
                 "IDT", "管理体系审核指南", "40.20"):
        assert text in html, text
    assert 'href="/kb/editions/ISO%2019011%3A2018"' in html
    assert 'href="/-/standards/GB%2FT%2019011"' in html


@pytest.mark.asyncio
async def test_any_spelling_redirects_to_the_canonical_page(datasette):
    response = await datasette.client.get("/-/standards/iso19011")
    assert response.status_code == 302
    assert response.headers["location"] == "/-/standards/ISO%2019011"
    response = await datasette.client.get("/-/standards?q=GB%2FT19011%E2%80%942013")
    assert response.status_code == 302
    assert response.headers["location"] == "/-/standards/GB%2FT%2019011"


@pytest.mark.asyncio
async def test_unknown_work_is_404_with_suggestions(datasette):
    response = await datasette.client.get("/-/standards/ISO%2019012")
    assert response.status_code == 404
    assert "not in the knowledge base" in response.text and "ISO 19011" in response.text


@pytest.mark.asyncio
async def test_work_json_matches_the_cli(datasette):
    response = await datasette.client.get("/-/standards/ISO%2019011.json")
    data = response.json()
    assert data["work"]["designation"] == "ISO 19011"
    assert [a["subject"] for a in data["adoptions"]] == ["GB/T 19011-2013", "GB/T 19011-2021"]


@pytest.mark.asyncio
async def test_tables_facets_and_canned_queries(datasette):
    response = await datasette.client.get("/kb/editions")
    for facet in ("publisher", "doctype", "status", "stage", "committee"):
        assert f'href="?_facet={facet}"' in response.text
    response = await datasette.client.get(
        "/kb/editions.json?_facet=status&_facet=publisher&_size=0")
    facets = response.json()["facet_results"]
    assert {"publisher", "status"} <= set(facets)
    statuses = {r["value"] for r in facets["status"]["results"]}
    assert {"current", "withdrawn"} <= statuses
    response = await datasette.client.get(
        "/kb/adoptions.json?_shape=array&work=ISO+19011")
    rows = response.json()
    assert {(r["adopting"], r["degree"]) for r in rows} == {
        ("GB/T 19011-2013", "IDT"), ("GB/T 19011-2021", "IDT")}
    response = await datasette.client.get("/kb/history_of_a_work.json?_shape=array&work=ISO+19011")
    assert any(r["code"] == "40.20" for r in response.json())
    for query in ("current_editions", "withdrawn_editions"):
        response = await datasette.client.get(
            f"/kb/{query}.json?_shape=array&publisher=&committee=&work=")
        assert response.status_code == 200, query


@pytest.mark.asyncio
async def test_work_ids_link_to_history_pages(datasette):
    response = await datasette.client.get("/kb/editions?work_id=ISO+19011")
    assert 'href="/-/standards/ISO%2019011"' in response.text


async def test_index_lists_adopted_standards(datasette):
    response = await datasette.client.get("/-/standards")
    assert response.status_code == 200
    assert 'href="/-/standards/ISO%2019011"' in response.text
    assert 'name="q"' in response.text
