"""kb.web.permissions: Datasette's table permission rules remembered, the same answers."""

from __future__ import annotations

import asyncio
import sqlite3
import types

from datasette import hookimpl
from datasette.app import Datasette
from datasette.plugins import pm


def _database(path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript("create table open (id integer primary key); "
                       "create table secret (id integer primary key); "
                       "create table later (id integer primary key);")
    conn.close()


def _statuses(datasette: Datasette, actor: dict | None = None, replace=None) -> list[int]:
    cookies = {"ds_actor": datasette.sign({"a": actor}, "actor")} if actor else {}

    async def fetch():
        await datasette.invoke_startup()
        out = []
        for _ in range(2):  # the second time from what was remembered
            for table in ("open", "secret", "later"):
                response = await datasette.client.get(f"/p/{table}", cookies=cookies)
                out.append(response.status_code)
            if replace is not None:
                replace(datasette)
        return out
    return asyncio.run(fetch())


def test_the_rules_are_datasettes_and_follow_a_plugin_or_new_metadata(tmp_path):
    path = tmp_path / "p.db"
    _database(path)
    metadata = {"databases": {"p": {"tables": {"secret": {"allow": {"id": "root"}}}}}}
    datasette = Datasette([str(path)], metadata=metadata)
    assert _statuses(datasette) == [200, 403, 200] * 2
    assert getattr(datasette._table_permission_allows, "remembers", False)
    assert _statuses(Datasette([str(path)], metadata=metadata), {"id": "root"}) == [200] * 6

    def hide_later(datasette):  # new metadata, as a test or an embedding program may set
        datasette._metadata_local = {"databases": {"p": {"tables": {
            "later": {"allow": {"id": "root"}}}}}}
    assert _statuses(Datasette([str(path)], metadata=metadata), replace=hide_later) == [
        200, 403, 200, 200, 200, 403]

    plugin = types.ModuleType("hides_open")

    @hookimpl
    def get_metadata(datasette, key, database, table):
        return {"databases": {"p": {"tables": {"open": {"allow": False}}}}}
    plugin.get_metadata = get_metadata
    try:  # a plugin that gives metadata, installed after the first requests
        assert _statuses(Datasette([str(path)], metadata=metadata), replace=lambda _: (
            pm.is_registered(plugin) or pm.register(plugin, name="hides open"))) == [
            200, 403, 200, 403, 403, 200]
    finally:
        if pm.is_registered(plugin):
            pm.unregister(plugin)
